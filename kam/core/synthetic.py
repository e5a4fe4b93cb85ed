"""Synthetic-data infrastructure shared by every app's ``kam gen-data`` and demo loaders:
Chinese geography (regions, cities with postcodes and area codes), people's names, a fast seeded
random source (:class:`Rng`) and :class:`BulkInserter` (multi-row inserts that skip the ORM's
per-value preparation). No app imports here: the apps' generators build on these pieces.

Everything is drawn from one :class:`random.Random` seeded by the caller, so the same seed gives
the same data.
"""

from __future__ import annotations

import functools
import random
from bisect import bisect_right
from dataclasses import dataclass

from . import divisions

# ---------------------------------------------------------------------------------------------
# Geography


@dataclass(frozen=True)
class City:
    province: str
    name: str  # 苏州市 (Customer.city)
    short: str  # 苏州 (in company names)
    division: str  # administrative division code in the credit code
    postcode: str
    area: str  # telephone area code
    local_len: int  # digits of a local landline number
    districts: tuple[str, ...]

    @property
    def division_code(self) -> str:
        """The city's GB/T 2260 code as the picker has it (上海市 → 310100, 深圳市 → 440300)."""
        return divisions.picker_path(self.division)[1]

    def district_code(self, district: str) -> str:
        """The code of one of :attr:`districts` (「南山区」 → 440305); the city's own code for a
        district GB/T 2260 does not have (「工业园区」, 「松山湖」)."""
        return _district_codes(self).get(district, self.division_code)


@functools.cache
def _district_codes(city: City) -> dict[str, str]:
    return {name: code for code, name in divisions.children(city.division_code)}


def _c(province, name, division, postcode, area, local_len, districts):
    short = name[:-1] if name.endswith("市") else name
    return City(province, name, short, division, postcode, area, local_len, tuple(districts.split()))


# region key -> (region unit name, department name, cities)
REGIONS: dict[str, tuple[str, str, tuple[City, ...]]] = {
    "east": (
        "华东大区",
        "华东大客户部",
        (
            _c("上海市", "上海市", "310115", "200120", "021", 8, "浦东新区 闵行区 徐汇区 嘉定区 松江区 静安区"),
            _c("江苏省", "南京市", "320100", "210000", "025", 8, "江宁区 鼓楼区 建邺区 栖霞区"),
            _c("江苏省", "苏州市", "320500", "215000", "0512", 8, "工业园区 吴中区 高新区 相城区"),
            _c("江苏省", "无锡市", "320200", "214000", "0510", 8, "滨湖区 新吴区 梁溪区"),
            _c("江苏省", "常州市", "320400", "213000", "0519", 8, "武进区 新北区 天宁区"),
            _c("江苏省", "南通市", "320600", "226000", "0513", 8, "崇川区 通州区 海门区"),
            _c("浙江省", "杭州市", "330100", "310000", "0571", 8, "西湖区 滨江区 余杭区 萧山区"),
            _c("浙江省", "宁波市", "330200", "315000", "0574", 8, "鄞州区 北仑区 江北区"),
            _c("浙江省", "温州市", "330300", "325000", "0577", 8, "鹿城区 瓯海区 龙湾区"),
            _c("浙江省", "嘉兴市", "330400", "314000", "0573", 8, "南湖区 秀洲区 嘉善县"),
            _c("浙江省", "绍兴市", "330600", "312000", "0575", 8, "越城区 柯桥区 上虞区"),
            _c("安徽省", "合肥市", "340100", "230000", "0551", 8, "蜀山区 包河区 庐阳区"),
            _c("安徽省", "芜湖市", "340200", "241000", "0553", 7, "镜湖区 弋江区 鸠江区"),
            _c("山东省", "济南市", "370100", "250000", "0531", 8, "历下区 槐荫区 高新区"),
            _c("山东省", "青岛市", "370200", "266000", "0532", 8, "市南区 崂山区 黄岛区"),
            _c("山东省", "烟台市", "370600", "264000", "0535", 7, "芝罘区 莱山区 福山区"),
            _c("福建省", "福州市", "350100", "350000", "0591", 8, "鼓楼区 台江区 仓山区"),
            _c("福建省", "厦门市", "350200", "361000", "0592", 7, "思明区 湖里区 集美区"),
            _c("福建省", "泉州市", "350500", "362000", "0595", 8, "丰泽区 鲤城区 晋江市"),
            _c("江西省", "南昌市", "360100", "330000", "0791", 8, "红谷滩区 东湖区 青山湖区"),
        ),
    ),
    "south": (
        "华南大区",
        "华南大客户部",
        (
            _c("广东省", "广州市", "440100", "510000", "020", 8, "天河区 黄埔区 番禺区 越秀区"),
            _c("广东省", "深圳市", "440300", "518000", "0755", 8, "南山区 福田区 宝安区 龙岗区"),
            _c("广东省", "东莞市", "441900", "523000", "0769", 8, "松山湖 长安镇 虎门镇 南城街道"),
            _c("广东省", "佛山市", "440600", "528000", "0757", 8, "顺德区 南海区 禅城区"),
            _c("广东省", "珠海市", "440400", "519000", "0756", 7, "香洲区 金湾区 斗门区"),
            _c("广东省", "中山市", "442000", "528400", "0760", 8, "火炬开发区 石岐街道 小榄镇"),
            _c("广东省", "惠州市", "441300", "516000", "0752", 7, "惠城区 惠阳区 仲恺高新区"),
            _c("广西壮族自治区", "南宁市", "450100", "530000", "0771", 7, "青秀区 西乡塘区 良庆区"),
            _c("广西壮族自治区", "柳州市", "450200", "545000", "0772", 7, "城中区 柳南区 柳北区"),
            _c("海南省", "海口市", "460100", "570000", "0898", 8, "龙华区 美兰区 秀英区"),
            _c("海南省", "三亚市", "460200", "572000", "0898", 8, "吉阳区 天涯区 海棠区"),
        ),
    ),
    "north": (
        "华北大区",
        "华北大客户部",
        (
            _c("北京市", "北京市", "110105", "100020", "010", 8, "朝阳区 海淀区 丰台区 东城区 大兴区"),
            _c("天津市", "天津市", "120116", "300450", "022", 8, "滨海新区 南开区 河西区"),
            _c("河北省", "石家庄市", "130100", "050000", "0311", 8, "长安区 裕华区 桥西区"),
            _c("河北省", "唐山市", "130200", "063000", "0315", 7, "路北区 路南区 丰润区"),
            _c("山西省", "太原市", "140100", "030000", "0351", 7, "小店区 迎泽区 万柏林区"),
            _c("内蒙古自治区", "呼和浩特市", "150100", "010000", "0471", 7, "新城区 赛罕区 回民区"),
        ),
    ),
    "central": (
        "华中大区",
        "华中大客户部",
        (
            _c("湖北省", "武汉市", "420100", "430000", "027", 8, "江汉区 洪山区 东湖高新区 武昌区"),
            _c("湖北省", "宜昌市", "420500", "443000", "0717", 7, "西陵区 伍家岗区 夷陵区"),
            _c("湖南省", "长沙市", "430100", "410000", "0731", 8, "岳麓区 芙蓉区 雨花区 开福区"),
            _c("河南省", "郑州市", "410100", "450000", "0371", 8, "金水区 郑东新区 中原区"),
            _c("河南省", "洛阳市", "410300", "471000", "0379", 8, "洛龙区 西工区 涧西区"),
        ),
    ),
    "southwest": (
        "西南大区",
        "西南大客户部",
        (
            _c("四川省", "成都市", "510100", "610000", "028", 8, "高新区 武侯区 锦江区 天府新区"),
            _c("四川省", "绵阳市", "510700", "621000", "0816", 7, "涪城区 游仙区 安州区"),
            _c("重庆市", "重庆市", "500103", "400010", "023", 8, "渝中区 江北区 九龙坡区 两江新区"),
            _c("云南省", "昆明市", "530100", "650000", "0871", 8, "五华区 盘龙区 官渡区"),
            _c("贵州省", "贵阳市", "520100", "550000", "0851", 8, "观山湖区 南明区 云岩区"),
        ),
    ),
    "northwest": (
        "西北大区",
        "西北大客户部",
        (
            _c("陕西省", "西安市", "610100", "710000", "029", 8, "雁塔区 未央区 高新区 碑林区"),
            _c("甘肃省", "兰州市", "620100", "730000", "0931", 7, "城关区 七里河区 安宁区"),
            _c("宁夏回族自治区", "银川市", "640100", "750000", "0951", 7, "金凤区 兴庆区 西夏区"),
            _c("新疆维吾尔自治区", "乌鲁木齐市", "650100", "830000", "0991", 7, "天山区 沙依巴克区 新市区"),
        ),
    ),
    "northeast": (
        "东北大区",
        "东北大客户部",
        (
            _c("辽宁省", "沈阳市", "210100", "110000", "024", 8, "和平区 沈河区 浑南区 铁西区"),
            _c("辽宁省", "大连市", "210200", "116000", "0411", 8, "中山区 沙河口区 甘井子区 金州区"),
            _c("吉林省", "长春市", "220100", "130000", "0431", 8, "朝阳区 南关区 净月区"),
            _c("黑龙江省", "哈尔滨市", "230100", "150000", "0451", 8, "南岗区 道里区 松北区"),
        ),
    ),
}
REGION_SHORT = {key: name[:2] for key, (name, _dept, _cities) in REGIONS.items()}
ALL_CITIES: tuple[City, ...] = tuple(c for _n, _d, cities in REGIONS.values() for c in cities)

# ---------------------------------------------------------------------------------------------
# People

SURNAMES = tuple(
    "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 罗 高 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 潘 袁 蔡 "
    "蒋 余 于 杜 叶 程 魏 苏 吕 丁 任 卢 姚 沈 钟 姜 崔 谭 陆 范 汪 廖 石 金 韦 贾 夏 付 方 邹 熊 白 孟 秦 邱 侯 江 尹 "
    "薛 闫 段 雷 龙 黎 史 陶 贺 毛 郝 顾 龚 邵 万 覃 武 钱 戴 严 欧阳 上官 司马".split()
)
GIVEN_NAMES = tuple(
    "伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 华 建华 建国 志强 志明 "
    "海燕 晓梅 晓东 晓燕 文 斌 宇 鹏 浩 凯 欣怡 子涵 梓轩 思远 嘉欣 雨婷 俊杰 家豪 婷婷 雪 琳 颖 慧 佳 "
    "倩 博 健 波 辉 亮 林 立新 国华 红梅 春燕 玉兰 金凤 永强 卫东 建军 海峰 振华 德明 宏伟 晓峰 丹 蕾 "
    "璐 瑶 萍 悦 晨 旭 昊 睿 哲 航 一鸣 天宇 子墨 若曦 诗涵 梦琪 静怡 雅婷 文杰 志刚 国强 春雷 秋菊 "
    "冬梅 建平 利民 爱华 新民 少华 红军 丽娟 淑芬".split()
)
_MOBILE = ("139", "138", "137", "136", "135", "150", "151", "158", "159", "186", "187", "188", "189", "133", "177")


def weighted_table(pairs):
    """(values, cumulative weights, total) of ``((value, weight), …)`` for :meth:`Rng.weighted`."""
    values = tuple(v for v, _w in pairs)
    cum, total = [], 0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, tuple(cum), total


class Rng:
    """Seeded draws; only ``random()`` is called (fast, and stable across Python versions)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self._rand = self.rng.random

    def choice(self, seq):
        return seq[int(self._rand() * len(seq))]

    def randint(self, lo: int, hi: int) -> int:
        return lo + int(self._rand() * (hi - lo + 1))

    def chance(self, p: float) -> bool:
        return self._rand() < p

    def weighted(self, table):
        values, cum, total = table
        return values[bisect_right(cum, self._rand() * total)]

    def distinct(self, seq, k: int) -> list:
        out: list = []
        while len(out) < k:
            x = seq[int(self._rand() * len(seq))]
            if x not in out:
                out.append(x)
        return out

    def landline(self, city: City) -> str:
        rand = self._rand
        head = 2 + int(rand() * 7)
        if city.local_len == 8:
            return f"{city.area} {head}{int(rand() * 1000):03d} {int(rand() * 10000):04d}"
        return f"{city.area} {head}{int(rand() * 100):02d} {int(rand() * 10000):04d}"

    def mobile(self) -> str:
        rand = self._rand
        return f"{self.choice(_MOBILE)} {int(rand() * 10000):04d} {int(rand() * 10000):04d}"

    def person_name(self) -> str:
        return self.choice(SURNAMES) + self.choice(GIVEN_NAMES)


# ---------------------------------------------------------------------------------------------
# Bulk inserts


class BulkInserter:
    """Plain multi-row inserts (``cursor.executemany``) for one model.

    ``bulk_create`` spends ~7 µs per *value* preparing SQL (and SQLite caps a statement at 999
    parameters); at 10 million values that is over a minute. The rows here are built from
    known Python types, so only dates, datetimes and decimals need the backend's adapters."""

    def __init__(self, model, connection, *, with_pk: bool, now) -> None:
        from django.db import models

        ops = connection.ops
        self.connection = connection
        self.fields = []
        cols = []
        for f in model._meta.concrete_fields:
            if (f.primary_key and not with_pk) or f.generated:  # the database computes generated columns
                continue
            cols.append(connection.ops.quote_name(f.column))
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                # "now" unless the row brings its own timestamp
                self.fields.append((f.attname, ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value, True))
                continue
            if isinstance(f, models.DecimalField):
                conv = functools.partial(
                    ops.adapt_decimalfield_value, max_digits=f.max_digits, decimal_places=f.decimal_places
                )
            elif isinstance(f, models.DateTimeField):
                conv = ops.adapt_datetimefield_value
            elif isinstance(f, models.DateField):
                conv = ops.adapt_datefield_value
            else:
                conv = None
            default = None if f.primary_key else (f.get_default() if f.has_default() or not f.null else None)
            self.fields.append((f.attname, default, conv, False))
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            connection.ops.quote_name(model._meta.db_table), ", ".join(cols), ", ".join(["%s"] * len(cols))
        )

    def row(self, values: dict) -> tuple:
        out = []
        for attname, default, conv, stamp in self.fields:
            if stamp:
                v = values.get(attname)
                out.append(default if v is None else conv(v))
                continue
            v = values.get(attname, default)
            out.append(conv(v) if conv is not None and v is not None else v)
        return tuple(out)

    def insert(self, rows: list[tuple]) -> None:
        if rows:
            with self.connection.cursor() as cur:
                cur.executemany(self.sql, rows)
