"""Synthetic customer files at any scale (``kam gen-data``) and the company vocabulary the demo shares.

Everything is drawn from one :class:`random.Random` seeded by the caller, so the same seed gives
the same names, credit codes and contacts. Names are *composed* from a vocabulary (city +
brand word + industry + legal form; surname + given name), which keeps two things fast:

* pinyin for the search text and the name's sort key is computed once per vocabulary
  *component* (company names) or per distinct full name (people) and cached —
  :func:`kam.customers.search.build_search_text` and ``name_sort_key`` are far too slow to call
  400,000 times, and the tests check the cached forms equal them;
* the rows are built as plain tuples and bulk-inserted in batches of multi-row
  ``executemany`` inserts inside one transaction (:func:`generate`; ``bulk_create`` spends
  most of a minute just preparing 10 million values). Bulk inserts send no ``post_save``
  signals, so **they write no change-log rows** — the generated customers have no history.

Unified social credit codes are checksum-valid (``stdnum.cn.uscc``): the organisation-code
part is a bijection of the customer number (with a GB 11714 check character), so the codes of
one run never collide; codes already in the database are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum.cn import uscc

from kam.core.synthetic import ALL_CITIES, GIVEN_NAMES, REGIONS, SURNAMES, BulkInserter, City, Rng, weighted_table
from kam.org.gendata import OrgSlot

from .duplicates import name_key
from .search import index_customers, join_sort_key, pinyin_forms, sort_syllables

CORE_WORDS = tuple(
    """
    恒泰 宏达 鑫源 金盛 瑞丰 永兴 天成 华信 中鼎 博远 海纳 卓越 远航 精诚 锦程 万通 汇通 联创 凯达 广源
    德润 信达 荣盛 东升 新锐 华拓 嘉禾 盛世 启明 睿智 正和 安达 鑫辉 宝丰 金桥 明辉 天诚 华宇 鼎盛 泰和
    通达 兴业 瑞德 华泰 众诚 立信 新纪元 天瑞 恒通 宏远 金鹰 银河 百川 汇金 国泰 中科 金穗 海川 嘉诚 润泽
    鸿运 隆盛 世纪 华昌 协力 致远 同心 晨光 蓝海 绿源 金石 正泰源 恒丰 中天 创元 天合 宏图 凯旋 明德 富源
    华盛 联合 东方 金诚 永信 佳禾 新宇 瑞祥 鑫隆 恒信 奥达 精工 昊天 博通 伟业 弘毅 金帆 融信 宏发 众合
    科达 腾飞 鼎新 康泰 和顺 盈丰 信诚 安泰 华美 星辰 云帆 青禾 德信 汇丰源 金泽 海德 远东 天元 万达兴 嘉信
    """.split()
)


@dataclass(frozen=True)
class Industry:
    word: str  # in the company name
    label: str  # Customer.industry
    en: str
    main: tuple[str, ...]
    secondary: tuple[str, ...]
    needs: tuple[str, ...]


def _i(word, label, en, main, secondary, needs):
    return Industry(word, label, en, tuple(main.split("|")), tuple(secondary.split("|")), tuple(needs.split("|")))


INDUSTRIES: tuple[Industry, ...] = (
    _i(
        "精密机械",
        "机械制造",
        "Precision Machinery",
        "数控机床与精密零部件的研发、制造|工业自动化设备及配件的生产与销售",
        "设备维修与技术服务|二手设备回收与再制造",
        "产线自动化改造，需要稳定的零部件供应和快速售后|计划新建智能车间，关注整体解决方案",
    ),
    _i(
        "机械",
        "机械制造",
        "Machinery",
        "工程机械及配件制造|通用机械设备的生产与销售",
        "设备租赁|机械配件进出口",
        "希望缩短交货周期，降低库存|关注设备全生命周期成本",
    ),
    _i(
        "电子",
        "电子信息",
        "Electronics",
        "电子元器件、印制电路板的生产与销售|消费电子产品代工",
        "电子产品检测服务|元器件分销",
        "元器件国产替代，需要可靠的第二供应商|产品迭代快，要求打样周期短",
    ),
    _i(
        "科技",
        "信息技术",
        "Technology",
        "信息系统集成、软件开发与技术服务|物联网设备研发与销售",
        "IT运维外包|技术咨询与培训",
        "数字化转型，需要整体规划与分期实施|数据安全合规改造",
    ),
    _i(
        "软件",
        "软件和信息技术服务",
        "Software",
        "企业管理软件的开发与实施|云计算平台运营与服务",
        "软件定制开发|数据分析服务",
        "云上迁移，关注服务可用性和成本|寻找长期稳定的实施伙伴",
    ),
    _i(
        "物流",
        "交通运输与物流",
        "Logistics",
        "公路货运、仓储与城市配送|供应链管理与国际货运代理",
        "冷链运输|报关报检代理",
        "车队更新，关注融资方案和总拥有成本|仓储自动化升级",
    ),
    _i(
        "贸易",
        "批发和零售",
        "Trading",
        "工业品进出口贸易|日用消费品批发与分销",
        "跨境电商|商品展示与会展服务",
        "拓展新品类，需要稳定货源和账期支持|关注价格和结算方式的灵活性",
    ),
    _i(
        "化工",
        "化学原料和化学制品",
        "Chemical",
        "精细化工产品的生产与销售|涂料、胶粘剂的研发与生产",
        "危险化学品仓储|化工技术咨询",
        "环保合规压力大，需要安全可靠的工艺与服务|原料价格波动，希望锁定长期价格",
    ),
    _i(
        "医药",
        "医药制造",
        "Pharmaceutical",
        "化学药制剂、中成药的研发与生产|医药中间体生产",
        "医药流通配送|健康产品销售",
        "新厂区GMP认证，需要合规的设备和服务|集采降价，要求控制采购成本",
    ),
    _i(
        "食品",
        "食品制造",
        "Foods",
        "休闲食品、调味品的生产与销售|乳制品与饮料生产",
        "餐饮供应链|食品检测服务",
        "旺季产能不足，需要弹性供应|食品安全追溯体系建设",
    ),
    _i(
        "纺织",
        "纺织服装",
        "Textile",
        "棉纺织品、功能性面料的生产|服装设计、生产与出口",
        "面料贸易|印染加工",
        "订单碎片化，要求小批量快速交付|出口转内销，需要渠道支持",
    ),
    _i(
        "建设",
        "建筑业",
        "Construction",
        "房屋建筑、市政工程施工总承包|钢结构工程设计与施工",
        "建材贸易|工程咨询",
        "项目回款周期长，关注付款方式|多个在建项目需要统一采购",
    ),
    _i(
        "新能源",
        "电力与新能源",
        "New Energy",
        "光伏组件、储能系统的研发与制造|风电项目开发与运维",
        "充电桩建设运营|碳资产管理",
        "产能快速扩张，需要大批量稳定供货|海外项目增多，需要国际化服务",
    ),
    _i(
        "汽车零部件",
        "汽车制造",
        "Auto Parts",
        "汽车零部件及总成的研发与生产|新能源汽车电驱系统部件生产",
        "模具设计制造|售后配件销售",
        "主机厂年降要求，需要持续降本|新项目定点，要求同步开发",
    ),
    _i(
        "环保",
        "生态环保",
        "Environmental Protection",
        "污水处理、固废处置工程与运营|环境监测设备生产",
        "环保咨询|再生资源回收",
        "政府项目多，关注资质和履约能力|运营项目需要长期维保服务",
    ),
    _i(
        "包装",
        "包装印刷",
        "Packaging",
        "纸箱、软包装的设计与生产|环保包装材料研发",
        "印刷服务|包装设计",
        "客户要求环保包装，需要材料升级|原纸价格波动，关注成本",
    ),
    _i(
        "家具",
        "家具制造",
        "Furniture",
        "办公家具、定制家居的设计与生产|酒店家具工程",
        "软装设计|家居零售",
        "工程订单集中交付，需要物流配合|拓展线上渠道",
    ),
    _i(
        "光电",
        "光电子",
        "Optoelectronics",
        "LED照明产品的研发与生产|光通信器件生产",
        "照明工程|光学检测",
        "海外订单增长，需要认证支持|研发投入大，关注技术合作",
    ),
    _i(
        "新材料",
        "新材料",
        "New Materials",
        "高分子材料、复合材料的研发与生产|特种合金材料生产",
        "材料检测|技术转让",
        "中试线建设，需要设备和工艺支持|下游认证周期长，需要耐心培育",
    ),
    _i(
        "置业",
        "房地产",
        "Real Estate",
        "房地产开发与销售|商业地产运营与物业管理",
        "物业服务|长租公寓",
        "项目去化压力大，关注营销合作|存量物业智能化改造",
    ),
    _i(
        "酒店管理",
        "住宿和餐饮",
        "Hotel Management",
        "连锁酒店的经营与管理|会议会展服务",
        "餐饮服务|旅游服务",
        "门店翻新，需要集中采购|会员体系升级",
    ),
    _i(
        "实业",
        "综合",
        "Industrial",
        "多元化实业投资与经营|工业园区开发运营",
        "资产管理|商贸服务",
        "下属企业多，希望统一供应商管理|新项目投资，关注合作伙伴实力",
    ),
    _i(
        "电器",
        "家用电器",
        "Electric Appliances",
        "小家电的研发、生产与销售|厨卫电器制造",
        "电商运营|售后服务网点",
        "电商大促备货，需要弹性产能|产品智能化升级",
    ),
    _i(
        "供应链",
        "供应链管理",
        "Supply Chain",
        "采购执行与供应链管理服务|大宗商品供应链服务",
        "供应链金融|仓储物流",
        "业务规模扩大，需要更高的授信额度|系统对接，要求数据实时共享",
    ),
    _i(
        "医疗器械",
        "医疗器械",
        "Medical Devices",
        "医用耗材、诊断设备的研发与生产|康复器械生产与销售",
        "医疗设备维修|第三方检测",
        "产品注册周期长，关注合规支持|医院渠道拓展",
    ),
)

# Government / public institutions (公司性质: 政府/事业单位): city + institution.
INSTITUTIONS: tuple[tuple[str, str, str], ...] = (
    ("市第一人民医院", "医疗卫生", "First People's Hospital"),
    ("市中心医院", "医疗卫生", "Central Hospital"),
    ("市公共交通集团", "公共交通", "Public Transport Group"),
    ("市自来水公司", "水务", "Water Supply Company"),
    ("市职业技术学院", "教育", "Vocational and Technical College"),
    ("市疾病预防控制中心", "医疗卫生", "Center for Disease Control"),
    ("市图书馆", "文化", "Public Library"),
    ("市不动产登记中心", "政府机关", "Real Estate Registration Center"),
    ("市大数据管理局", "政府机关", "Big Data Bureau"),
    ("市第二中学", "教育", "No. 2 Middle School"),
)

# legal forms by company nature: (suffix, English suffix)
SUFFIXES = {
    "listed": (("股份有限公司", "Co., Ltd."), ("集团股份有限公司", "Group Co., Ltd.")),
    "private": (("有限公司", "Co., Ltd."), ("有限责任公司", "Co., Ltd."), ("集团有限公司", "Group Co., Ltd.")),
    "jv": (("有限公司", "Co., Ltd."),),
    "state": (("集团有限公司", "Group Co., Ltd."), ("有限公司", "Co., Ltd.")),
}
WFOE_SUFFIX = "有限公司"
SUFFIX_WORDS = sorted({s for forms in SUFFIXES.values() for s, _en in forms} | {WFOE_SUFFIX})

NATURE_WEIGHTS = (("private", 45), ("listed", 12), ("state", 15), ("jv", 10), ("wfoe", 8), ("government", 10))
POSITION_WEIGHTS = (("leader", 10), ("influential", 20), ("medium", 40), ("small", 20), ("other", 10))
RATING_WEIGHTS = (("AAA", 8), ("AA", 17), ("A", 30), ("BBB", 22), ("BB", 12), ("B", 8), ("C", 3))
STAFF_RANGE = {
    "leader": (2000, 30000),
    "influential": (500, 5000),
    "medium": (100, 1000),
    "small": (20, 200),
    "other": (10, 300),
}

STREETS = tuple(
    "人民路 解放路 建设路 中山路 科技路 创业大道 工业大道 滨江路 长江路 黄河路 学府路 高新大道 东风路 新华路 和平路 "
    "振兴路 文化路 迎宾大道 金融街 世纪大道 星湖街 软件园路 湖滨路 经济开发区大道".split()
)
# title, department, likely influence
TITLES: tuple[tuple[str, str, str], ...] = (
    ("董事长", "董事会", "decision_maker"),
    ("总经理", "总经办", "decision_maker"),
    ("副总经理", "总经办", "decision_maker"),
    ("采购总监", "采购部", "decision_maker"),
    ("采购经理", "采购部", "influencer"),
    ("采购专员", "采购部", "gatekeeper"),
    ("财务总监", "财务部", "influencer"),
    ("财务经理", "财务部", "influencer"),
    ("技术总监", "技术部", "influencer"),
    ("总工程师", "技术部", "influencer"),
    ("项目经理", "项目部", "user"),
    ("生产部经理", "生产部", "user"),
    ("信息中心主任", "信息中心", "influencer"),
    ("行政经理", "行政部", "gatekeeper"),
    ("办公室主任", "办公室", "gatekeeper"),
    ("总经理助理", "总经办", "gatekeeper"),
    ("设备主管", "设备部", "user"),
    ("质量经理", "质量部", "user"),
)
UNIVERSITIES = tuple(
    "复旦大学 上海交通大学 浙江大学 南京大学 同济大学 中山大学 华南理工大学 厦门大学 武汉大学 "
    "华中科技大学 四川大学 西安交通大学 山东大学 东南大学 哈尔滨工业大学 北京大学 清华大学 "
    "中国人民大学 湖南大学 重庆大学 苏州大学 暨南大学".split()
)
MAJORS = tuple(
    "工商管理 机械工程 会计学 市场营销 计算机科学与技术 电子工程 化学工程 国际贸易 法学 土木工程 金融学 经济学".split()
)
DEGREES = (("学士", 55), ("硕士", 30), ("MBA", 10), ("博士", 5))
HOBBIES = tuple(
    "高尔夫 羽毛球 钓鱼 书法 摄影 登山 品茶 围棋 马拉松 阅读 旅游 乒乓球 网球 游泳 收藏 骑行 京剧 桥牌".split()
)
FAMILIES = (
    "已婚，育有一子，孩子在读初中",
    "已婚，女儿在读大学",
    "已婚，爱人是中学教师",
    "已婚，有两个孩子",
    "未婚",
    "已婚，孩子刚上小学，周末常陪孩子",
    "与父母同住，很孝顺",
    "已婚，爱人在医院工作",
    "已婚，儿子在国外留学",
    "已婚，孙子刚出生",
)
INFLUENCES = ("decision_maker", "influencer", "user", "gatekeeper")
ATTITUDE_WEIGHTS = (("supporter", 20), ("friendly", 35), ("neutral", 30), ("sceptical", 10), ("opponent", 5))
ADVANTAGES = (
    "合作多年，关键人关系稳固",
    "产品质量稳定，客户认可度高",
    "本地有服务团队，响应快",
    "价格有竞争力",
    "技术方案成熟，有同行业成功案例",
    "交付能力强，能满足紧急订单",
    "高层互访频繁，战略层面互信",
    "账期和结算方式灵活",
)
DISADVANTAGES = (
    "竞争对手价格更低",
    "客户采购部门更换了负责人，关系需要重建",
    "我方产品线不全，部分需求无法满足",
    "客户对我方售后响应速度有过投诉",
    "客户倾向集团统一招标，我方话语权小",
    "我方在当地缺少仓储",
    "客户付款周期长，资金占用大",
)
COUNTERMEASURES = (
    "安排技术团队上门交流，提供定制化方案",
    "争取进入集团合格供应商名录",
    "以总拥有成本对比引导客户，避免单纯价格竞争",
    "建立季度高层拜访机制",
    "设立驻场服务人员，承诺四小时响应",
    "与财务协商信用额度，分期结算",
    "联合合作伙伴补齐产品线",
    "借助行业展会加强品牌曝光",
)
SERVICE_RECORDS = (
    "年度回访完成，客户满意度较高",
    "处理过一次交付延期投诉，已妥善解决",
    "组织客户参观我方工厂",
    "为客户员工提供了产品使用培训",
    "春节前送达节日问候",
)
NOTES = (
    "客户每年三月启动年度招标",
    "关键决策人下半年可能调动",
    "注意客户对合同条款审查严格",
    "客户有意向开展战略合作",
    "",
)

# ---------------------------------------------------------------------------------------------
# Credit codes

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code(body8: str) -> str:
    """A 9-character organisation code (GB 11714): 8 digits and their check character."""
    total = sum(int(ch) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body8 + ("X" if check == 10 else "0" if check == 11 else str(check))


def credit_code(*, authority_type: str, division: str, org9: str) -> str:
    """An 18-character unified social credit code with a valid check character."""
    body = authority_type + division + org9
    return body + uscc.calc_check_digit(body)


_ORG_MULTIPLIER = 48271  # coprime to 10**8, so n -> n * m + offset (mod 10**8) is a bijection


def numeric_org_body(number: int, seed: int) -> str:
    return f"{(number * _ORG_MULTIPLIER + (seed * 7919 + 12345)) % 100_000_000:08d}"


# ---------------------------------------------------------------------------------------------
# Pinyin


class PinyinCache:
    """pinyin_forms() and the sort key's syllables memoised per exact string; company names are
    joined per component."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}
        self._syllables: dict[str, list[str]] = {}

    def forms(self, text: str) -> tuple[str, str]:
        hit = self._cache.get(text)
        if hit is None:
            hit = self._cache[text] = pinyin_forms(text)
        return hit

    def joined(self, parts: Iterable[str]) -> tuple[str, str]:
        full, initials = [], []
        for p in parts:
            f, i = self.forms(p)
            full.append(f)
            initials.append(i)
        return "".join(full), "".join(initials)

    def sort_key(self, parts: Iterable[str]) -> str:
        """:func:`kam.customers.search.name_sort_key` of the joined ``parts``."""
        pieces: list[str] = []
        for p in parts:
            hit = self._syllables.get(p)
            if hit is None:
                hit = self._syllables[p] = sort_syllables(p)
            pieces.extend(hit)
        return join_sort_key(pieces)


_NON_DIGIT = re.compile(r"\D+")


def search_text_from(
    *,
    name: str,
    name_pinyin: tuple[str, str],
    name_en: str,
    code: str,
    credit_code: str,
    city: str,
    contacts: Sequence[tuple[str, str, tuple[str, str]]],
) -> str:
    """:func:`kam.customers.search.build_search_text` with the pinyin supplied (contacts are
    (name, phone, (full, initials)), in the order the service reads them: primary first)."""
    parts = [name, name_en, code, credit_code, city, name_pinyin[0], name_pinyin[1]]
    for contact_name, phone, (c_full, c_initials) in contacts:
        parts += [contact_name, c_full, c_initials]
        if phone:
            parts.append(_NON_DIGIT.sub("", phone))
    return "|".join(p.strip().lower() for p in parts if p and p.strip())


def completeness_of(values: dict, *, has_contacts: bool, has_sales: bool) -> int:
    """:meth:`Customer.compute_completeness` for an unsaved dict of field values."""
    from kam.customers.models import COMPLETENESS_FIELDS

    filled = sum(1 for f in COMPLETENESS_FIELDS if values.get(f) not in (None, ""))
    filled += int(has_contacts) + int(has_sales)
    return round(100 * filled / (len(COMPLETENESS_FIELDS) + 2))


# ---------------------------------------------------------------------------------------------
# The generator


def round_wan(amount: Decimal) -> Decimal:
    """Round to whole 万 (10,000 yuan), kept with two decimal places like the money fields."""
    return ((amount / 10_000).to_integral_value() * 10_000).quantize(Decimal("0.01"))


@dataclass
class GeneratedCustomer:
    """Field values for ``customer_create`` / a bulk row, plus the bits the bulk path needs."""

    fields: dict
    name_parts: tuple[str, ...]
    pinyin: tuple[str, str]
    authority: str  # first two characters of the credit code
    division: str  # administrative division code in the credit code
    contacts: list[dict] = field(default_factory=list)
    yearly_sales: list[dict] = field(default_factory=list)


_PARTIAL_DROP = tuple(
    "fax email website secondary_business staff_count annual_revenue advantages disadvantages countermeasures "
    "needs_analysis postcode industry_position".split()
)
_SPARSE_DROP = tuple(
    "name_en fax email website secondary_business staff_count annual_revenue advantages disadvantages "
    "countermeasures needs_analysis service_record notes postcode".split()
)
_NULLABLE = frozenset({"staff_count", "annual_revenue"})
_MAIL_BOXES = ("info", "contact", "sales", "service", "hr", "office")
_TLDS = (".com", ".com.cn", ".cn", ".net")
_N_CONTACTS = (1, 1, 2, 2, 2, 3, 3, 4)


class Generator(Rng):
    """Draws customer files and contacts from the vocabulary with one seeded RNG.

    ``completeness="varied"`` (default) fills 55 % of files completely, 33 % partly and 12 %
    sparsely; ``"full"`` fills every file. Only ``rng.random()`` is drawn (fast and stable)."""

    def __init__(self, seed: int, *, completeness: str = "varied", base_year: int | None = None) -> None:
        super().__init__(seed)
        self.pinyin = PinyinCache()
        self.completeness = completeness
        self.base_year = base_year or dt.date.today().year
        self._names: set[str] = set()
        self._natures = weighted_table(NATURE_WEIGHTS)
        self._positions = weighted_table(POSITION_WEIGHTS)
        self._ratings = weighted_table(RATING_WEIGHTS)
        self._attitudes = weighted_table(ATTITUDE_WEIGHTS)
        self._degrees = weighted_table(DEGREES)

    # -- company
    def company_name(self, city: City, nature: str) -> tuple[tuple[str, ...], str, Industry | None, str, str]:
        """(name parts, English name, industry or None, industry label, nature) — unique per
        generator (as normalised names: 远东化工有限公司 and 远东化工集团有限公司 are one company to the
        duplicate check); a government institution already taken in a city becomes a state company."""
        forms = self.pinyin.forms
        parts: tuple[str, ...] = ()
        name_en = label = ""
        industry: Industry | None = None
        for _attempt in range(12):
            if nature == "government":
                inst, label, en = self.choice(INSTITUTIONS)
                parts = (city.short, inst)
                name_en = f"{forms(city.short)[0].capitalize()} {en}"
                industry = None
            else:
                industry = self.choice(INDUSTRIES)
                label = industry.label
                core = self.choice(CORE_WORDS)
                core_py = forms(core)[0].capitalize()
                city_py = forms(city.short)[0].capitalize()
                if nature == "wfoe":
                    parts = (core, industry.word, f"（{city.short}）", WFOE_SUFFIX)
                    name_en = f"{core_py} {industry.en} ({city_py}) Co., Ltd."
                else:
                    suffix, suffix_en = self.choice(SUFFIXES[nature])
                    if self._rand() < 0.8:
                        parts = (city.short, core, industry.word, suffix)
                        name_en = " ".join((city_py, core_py, industry.en, suffix_en))
                    else:
                        parts = (core, industry.word, suffix)
                        name_en = " ".join((core_py, industry.en, suffix_en))
            key = name_key("".join(parts))  # distinct companies: not the same name to the duplicate check
            if key not in self._names:
                self._names.add(key)
                return parts, name_en, industry, label, nature
            if nature == "government":
                nature = "state"
        # the vocabulary is exhausted for this city: keep the last draw (names need not be unique)
        return parts, name_en, industry, label, nature

    def customer(self, city: City, *, contacts: int | None = None) -> GeneratedCustomer:
        """One customer file; ``credit_code`` is left blank for the caller (unique per run)."""
        rand, choice, forms = self._rand, self.choice, self.pinyin.forms
        parts, name_en, industry, label, nature = self.company_name(city, self.weighted(self._natures))
        position = "other" if nature == "government" else self.weighted(self._positions)
        lo, hi = STAFF_RANGE[position]
        staff = self.randint(lo, hi)
        revenue = Decimal(staff * self.randint(30, 200) * 10_000)  # 30万–200万 yuan per head
        if industry is not None:
            core = parts[0] if nature == "wfoe" else parts[-3]
            stem = forms(core)[0] + forms(industry.word)[1]
        else:
            stem = forms(city.short)[0] + self.pinyin.forms(parts[1])[1]
        domain = stem + choice(_TLDS)
        prefix = "" if city.province == city.name else city.province
        district = choice(city.districts)
        address = f"{prefix}{city.name}{district}{choice(STREETS)}{self.randint(1, 999)}号"
        f = {
            "name": "".join(parts),
            "name_en": name_en if (nature in ("listed", "jv", "wfoe") or rand() < 0.3) else "",
            "credit_code": "",
            "address": address,
            "postcode": f"{city.postcode[:4]}{int(rand() * 100):02d}",
            "phone": self.landline(city),
            "fax": self.landline(city) if rand() < 0.4 else "",
            "email": f"{choice(_MAIL_BOXES)}@{domain}",
            "website": f"https://www.{domain}",
            # the district's GB/T 2260 code (the city's where the district has none), in step with
            # province and city as the services would derive them (issue 7)
            "division_code": city.district_code(district),
            "province": city.province,
            "city": city.name,
            "nature": nature,
            "industry": label,
            "industry_position": position,
            "main_business": choice(industry.main) if industry else f"{label}相关公共服务",
            "secondary_business": choice(industry.secondary) if industry else "",
            "staff_count": staff,
            "annual_revenue": revenue,
            "credit_rating": self.weighted(self._ratings),
            "advantages": "；".join(self.distinct(ADVANTAGES, 1 + int(rand() * 2))),
            "disadvantages": "；".join(self.distinct(DISADVANTAGES, 1 + int(rand() * 2))),
            "countermeasures": "；".join(self.distinct(COUNTERMEASURES, 1 + int(rand() * 2))),
            "needs_analysis": choice(industry.needs) if industry else "预算审批严格，关注合规和服务质量",
            "service_record": choice(SERVICE_RECORDS) if rand() < 0.5 else "",
            "notes": choice(NOTES) if rand() < 0.3 else "",
        }
        has_sales = True
        sparse = False
        if self.completeness == "varied":
            roll = rand()
            if roll >= 0.55:
                sparse = roll >= 0.88
                drop = _SPARSE_DROP if sparse else self.distinct(_PARTIAL_DROP, 2 + int(rand() * 4))
                for key in drop:
                    f[key] = None if key in _NULLABLE else ""
                has_sales = not sparse and rand() < 0.5
        sales = []
        if has_sales:
            base = f["annual_revenue"] or Decimal(self.randint(500, 50000) * 10_000)
            for back in (3, 2, 1):
                factor = Decimal(self.randint(80, 125)) / 100
                sales.append({"year": self.base_year - back, "revenue": round_wan(base * factor)})
        result = GeneratedCustomer(
            fields=f,
            name_parts=parts,
            pinyin=self.pinyin.joined(parts),
            authority="12" if nature == "government" else "91",
            division=city.division,
            yearly_sales=sales,
        )
        n_contacts = contacts if contacts is not None else choice(_N_CONTACTS)
        titles = self.distinct(TITLES, n_contacts) if n_contacts <= len(TITLES) else None
        for i in range(n_contacts):
            title = titles[i] if titles else None
            result.contacts.append(self.contact(domain, primary=(i == 0), sparse=sparse and i > 0, title=title))
        return result

    def contact(self, domain: str, *, primary: bool, sparse: bool = False, title=None) -> dict:
        """One contact with every field (R2); ``title`` is a (title, department, influence) row."""
        rand, choice = self._rand, self.choice
        name = choice(SURNAMES) + choice(GIVEN_NAMES)
        full = self.pinyin.forms(name)[0]
        title, department, influence = title or choice(TITLES)
        if rand() < 0.2:
            influence = choice(INFLUENCES)
        if sparse:
            education = hobbies = family = email = wechat = ""
            birthday = None
        else:
            education = f"{choice(UNIVERSITIES)} {choice(MAJORS)}{self.weighted(self._degrees)}"
            birthday = dt.date(1962 + int(rand() * 35), 1 + int(rand() * 12), 1 + int(rand() * 28))
            hobbies = "、".join(self.distinct(HOBBIES, 1 + int(rand() * 3)))
            family = choice(FAMILIES)
            email = f"{full}@{domain}"
            wechat = f"{full}{10 + int(rand() * 9990)}" if rand() < 0.7 else f"wxid_{int(rand() * 2**40):x}"
        return {
            "name": name,
            "title": title,
            "department": department,
            "education": education,
            "birthday": birthday,
            "hobbies": hobbies,
            "family": family,
            "phone": self.mobile(),
            "email": email,
            "wechat": wechat,
            "influence": influence,
            "attitude": self.weighted(self._attitudes),
            "is_primary": primary,
            "notes": "",
        }


# ---------------------------------------------------------------------------------------------
# Bulk generation (kam gen-data)


@dataclass
class GenResult:
    customers: int = 0
    contacts: int = 0
    yearly_sales: int = 0
    seats: int = 0
    first_code: str = ""
    last_code: str = ""
    timings: dict[str, float] = field(default_factory=dict)


_THREE_YEARS = 3 * 365 * 86400


def generate(
    *,
    customers: int,
    contacts_per_customer: int = 3,
    seed: int = 1,
    slots: list[OrgSlot],
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> GenResult:
    """Insert ``customers`` synthetic customer files with their contacts, yearly sales and a
    few account-team seats. Call inside ``transaction.atomic()`` on a quiet database (the
    customer ids are assigned here; PostgreSQL's table is locked and its sequence reset).
    Writes no change-log rows."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from kam.core.models import Sequence, bump_sequence
    from kam.customers.models import AccountTeamMember, Contact, Customer, CustomerYearSales

    slots = [s for s in slots if s.owner_ids]
    if not slots:
        raise ValueError("no team with owners to attach customers to")
    t0 = time.perf_counter()
    result = GenResult()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"LOCK TABLE {connection.ops.quote_name(Customer._meta.db_table)} IN EXCLUSIVE MODE")
    seq = Sequence.objects.filter(name="customer").values_list("value", flat=True).first() or 0
    max_code = 0
    for code in (
        Customer.objects.filter(code__regex=r"^KH[0-9]{7}$").order_by("-code").values_list("code", flat=True)[:1]
    ):
        max_code = int(code[2:])
    start = max(seq, max_code) + 1
    if start + customers > 10_000_000:
        raise ValueError("customer numbers would exceed KH9999999")
    next_id = (Customer.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    taken = set(Customer.objects.values_list("credit_code", flat=True)) if next_id > 1 else set()
    cities_by_region = {k: cities for k, (_n, _d, cities) in REGIONS.items()}
    gen = Generator(seed)
    rand = gen._rand
    forms = gen.pinyin.forms
    now = timezone.now()
    w_customer = BulkInserter(Customer, connection, with_pk=True, now=now)
    w_contact = BulkInserter(Contact, connection, with_pk=False, now=now)
    w_sales = BulkInserter(CustomerYearSales, connection, with_pk=False, now=now)
    w_seat = BulkInserter(AccountTeamMember, connection, with_pk=False, now=now)
    result.timings["setup"] = time.perf_counter() - t0

    t_build = t_insert = 0.0
    done = 0
    number = start
    while done < customers:
        n = min(batch_size, customers - done)
        tb = time.perf_counter()
        cust_rows, contact_rows, sales_rows, seat_rows, search_rows = [], [], [], [], []
        for _i in range(n):
            slot = slots[int(rand() * len(slots))]
            owners = slot.owner_ids
            k = int(rand() * len(owners))
            owner_id = owners[k]
            cities = cities_by_region.get(slot.region) or ALL_CITIES
            g = gen.customer(cities[int(rand() * len(cities))], contacts=contacts_per_customer)
            f = g.fields
            code = f"KH{number:07d}"
            salt = 0
            while True:
                cc = credit_code(
                    authority_type=g.authority,
                    division=g.division,
                    org9=org_code(numeric_org_body(number + salt * 10_000_000, seed)),
                )
                if cc not in taken:
                    break
                salt += 1
            taken.add(cc)
            cid = next_id
            next_id += 1
            number += 1
            f["id"] = cid
            f["code"] = code
            f["credit_code"] = cc
            f["owner_id"] = f["created_by_id"] = owner_id
            f["team_id"] = slot.team_id
            # contacts in the order the service reads them (primary first, then by id)
            f["search_text"] = search_text_from(
                name=f["name"],
                name_pinyin=g.pinyin,
                name_en=f["name_en"],
                code=code,
                credit_code=cc,
                city=f["city"],
                contacts=[(c["name"], c["phone"], forms(c["name"])) for c in g.contacts],
            )
            f["name_key"] = name_key(f["name"])  # as the pre_save receiver keeps it
            f["completeness"] = completeness_of(f, has_contacts=bool(g.contacts), has_sales=bool(g.yearly_sales))
            f["name_sort"] = gen.pinyin.sort_key(g.name_parts)
            # files opened over the past three years, last edited some time since
            age = rand() * _THREE_YEARS
            f["created_at"] = now - dt.timedelta(seconds=age)
            f["updated_at"] = now - dt.timedelta(seconds=age * rand())
            cust_rows.append(w_customer.row(f))
            search_rows.append((cid, f["search_text"]))
            for c in g.contacts:
                c["customer_id"] = cid
                contact_rows.append(w_contact.row(c))
            for y in g.yearly_sales:
                y["customer_id"] = cid
                sales_rows.append(w_sales.row(y))
            if len(owners) > 1 and rand() < 0.03:
                seat = {"customer_id": cid, "user_id": owners[(k + 1) % len(owners)], "role": "presales"}
                seat_rows.append(w_seat.row(seat))
        t_build += time.perf_counter() - tb
        ti = time.perf_counter()
        w_customer.insert(cust_rows)
        w_contact.insert(contact_rows)
        w_sales.insert(sales_rows)
        w_seat.insert(seat_rows)
        index_customers(search_rows, fresh=True)
        t_insert += time.perf_counter() - ti
        result.contacts += len(contact_rows)
        result.yearly_sales += len(sales_rows)
        result.seats += len(seat_rows)
        done += n
        if progress:
            progress(done)
    result.customers = done
    if done:
        result.first_code = f"KH{start:07d}"
        result.last_code = f"KH{number - 1:07d}"
        bump_sequence("customer", number - 1)
        with connection.cursor() as cur:  # fresh planner statistics for the new volume
            cur.execute("ANALYZE")
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Customer]):
                    cur.execute(sql)
    result.timings["build"] = t_build
    result.timings["insert"] = t_insert
    result.timings["total"] = time.perf_counter() - t0
    return result


# ---------------------------------------------------------------------------------------------
# The gen-data step (registered in CustomersConfig.ready)


def add_arguments(parser) -> None:
    from django.utils.translation import gettext_lazy

    parser.add_argument("--customers", type=int, default=1000, help=gettext_lazy("Number of customers."))
    parser.add_argument(
        "--contacts-per-customer", type=int, default=3, help=gettext_lazy("Contacts for each customer.")
    )
    parser.add_argument("--batch-size", type=int, default=5000, help=gettext_lazy("Rows built per batch."))


def load(ctx) -> None:
    """gen-data step: ``--customers`` customer files with contacts, yearly sales and seats over
    the teams on ``ctx.slots`` (the org step's)."""
    from django.core.management.base import CommandError
    from django.utils.translation import gettext as _

    options = ctx.options
    n, per = options["customers"], options["contacts_per_customer"]
    if n < 0 or per < 0:
        raise CommandError(_("--customers and --contacts-per-customer must not be negative."))
    step = max(options["batch_size"], n // 10 or 1)
    marks = {"next": step}

    def progress(done):
        if done >= marks["next"] and options["verbosity"] >= 2:
            ctx.stdout.write(
                _("  {done} customers ({seconds:.1f} s)").format(done=done, seconds=time.perf_counter() - ctx.started)
            )
            marks["next"] += step

    try:
        result = generate(
            customers=n,
            contacts_per_customer=per,
            seed=options["seed"],
            slots=ctx.slots,
            batch_size=options["batch_size"],
            progress=progress,
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if result.customers:
        ctx.vacuum_tables += ["customers_customer", "customers_contact", "customers_accountteammember"]
    ctx.summary.append(
        _(
            "Generated {customers} customers ({first}–{last}), {contacts} contacts, {sales} yearly sales rows "
            "and {seats} account-team seats over {teams} teams (build rows {build:.2f} s, insert {insert:.2f} s)."
        ).format(
            customers=result.customers,
            first=result.first_code or "-",
            last=result.last_code or "-",
            contacts=result.contacts,
            sales=result.yearly_sales,
            seats=result.seats,
            teams=len([s for s in ctx.slots if s.owner_ids]),
            build=result.timings.get("build", 0.0),
            insert=result.timings.get("insert", 0.0),
        )
    )
    ctx.rate = (result.customers, _("customers"))
