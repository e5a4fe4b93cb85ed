"""Synthetic customer files at any scale (``kam gen-data``) and the vocabulary the demo shares.

Everything is drawn from one :class:`random.Random` seeded by the caller, so the same seed gives
the same names, credit codes and contacts. Names are *composed* from a vocabulary (city +
brand word + industry + legal form; surname + given name), which keeps two things fast:

* pinyin for the search text is computed once per vocabulary *component* (company names) or
  per distinct full name (people) and cached — :func:`kam.customers.search.build_search_text`
  is far too slow to call 400,000 times, and the tests check the cached form equals it;
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
import functools
import random
import re
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from stdnum.cn import uscc

from kam.customers.search import index_customers, pinyin_forms

# ---------------------------------------------------------------------------------------------
# Vocabulary


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
    """pinyin_forms() memoised per exact string; company names are joined per component."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[str, str]] = {}

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


def _weighted(pairs):
    values = tuple(v for v, _w in pairs)
    cum, total = [], 0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return values, tuple(cum), total


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
_MOBILE = ("139", "138", "137", "136", "135", "150", "151", "158", "159", "186", "187", "188", "189", "133", "177")
_MAIL_BOXES = ("info", "contact", "sales", "service", "hr", "office")
_TLDS = (".com", ".com.cn", ".cn", ".net")
_N_CONTACTS = (1, 1, 2, 2, 2, 3, 3, 4)


class Generator:
    """Draws customer files and contacts from the vocabulary with one seeded RNG.

    ``completeness="varied"`` (default) fills 55 % of files completely, 33 % partly and 12 %
    sparsely; ``"full"`` fills every file. Only ``rng.random()`` is drawn (fast and stable)."""

    def __init__(self, seed: int, *, completeness: str = "varied", base_year: int | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self._rand = self.rng.random
        self.pinyin = PinyinCache()
        self.completeness = completeness
        self.base_year = base_year or dt.date.today().year
        self._names: set[str] = set()
        self._natures = _weighted(NATURE_WEIGHTS)
        self._positions = _weighted(POSITION_WEIGHTS)
        self._ratings = _weighted(RATING_WEIGHTS)
        self._attitudes = _weighted(ATTITUDE_WEIGHTS)
        self._degrees = _weighted(DEGREES)

    # -- primitives (rng.random() only)
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

    # -- company
    def company_name(self, city: City, nature: str) -> tuple[tuple[str, ...], str, Industry | None, str, str]:
        """(name parts, English name, industry or None, industry label, nature) — unique per
        generator; a government institution already taken in a city becomes a state company."""
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
            name = "".join(parts)
            if name not in self._names:
                self._names.add(name)
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
        address = f"{prefix}{city.name}{choice(city.districts)}{choice(STREETS)}{self.randint(1, 999)}号"
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
class OrgSlot:
    """A team and the users who own its customers; ``region`` picks the cities."""

    team_id: int
    region: str | None
    owner_ids: list[int]


@dataclass
class GenResult:
    customers: int = 0
    contacts: int = 0
    yearly_sales: int = 0
    seats: int = 0
    first_code: str = ""
    last_code: str = ""
    timings: dict[str, float] = field(default_factory=dict)


SYNTH_PREFIX = "gen"
_CN_NUM = "零一二三四五六七八九十"


def _team_label(n: int) -> str:
    return f"{_CN_NUM[n] if n <= 10 else n}组"


def ensure_synthetic_org(teams: int, *, specialists_per_team: int = 4) -> list[OrgSlot]:
    """A synthetic org (root → regions → departments → ``teams`` teams, each with an account
    manager and specialists) — created if absent, reused if present (codes ``gen-…``).

    Users get unusable passwords; rows are bulk-inserted and so not change-logged."""
    from kam.org.models import OrgUnit, Role, RoleGrant, User

    root = OrgUnit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    if root is None:
        root = OrgUnit.objects.create(name="总部", code="hq", kind=OrgUnit.Kind.COMPANY)
    region_keys = list(REGIONS)
    slots: list[OrgSlot] = []
    roles = {r.code: r for r in Role.objects.filter(code__in=("specialist", "account_manager"))}
    names = Generator(20260101)  # staff names do not depend on the data seed
    dept_by_region = {}
    for key in region_keys[: max(1, min(len(region_keys), teams))]:
        region_name, dept_name, _cities = REGIONS[key]
        region = _unit(f"{SYNTH_PREFIX}-{key}", region_name, OrgUnit.Kind.REGION, root)
        dept_by_region[key] = _unit(f"{SYNTH_PREFIX}-{key}-kam", dept_name, OrgUnit.Kind.DEPARTMENT, region)
    used_keys = list(dept_by_region)
    existing_users = set(User.objects.filter(username__startswith="gen_").values_list("username", flat=True))
    new_users, grants = [], []
    for t in range(teams):
        key = used_keys[t % len(used_keys)]
        n_in_region = t // len(used_keys) + 1
        team = _unit(
            f"{SYNTH_PREFIX}-{key}-{n_in_region:03d}",
            REGION_SHORT[key] + _team_label(n_in_region),
            OrgUnit.Kind.TEAM,
            dept_by_region[key],
        )
        members = [(f"gen_am_{t + 1:04d}", "account_manager", "大客户经理")]
        members += [(f"gen_sp_{t + 1:04d}_{k + 1}", "specialist", "大客户专员") for k in range(specialists_per_team)]
        for username, role_code, job in members:
            person = names.person_name()
            if username in existing_users:
                continue
            new_users.append(
                (
                    User(
                        username=username, name=person, job_title=job, unit=team, password="!gen-data", is_active=True
                    ),
                    role_code,
                    team,
                )
            )
        slots.append(OrgSlot(team_id=team.pk, region=key, owner_ids=[]))
    if new_users:
        created = User.objects.bulk_create([u for u, _r, _t in new_users], batch_size=500)
        for user, (_u, role_code, team) in zip(created, new_users, strict=True):
            grants.append(RoleGrant(user=user, role=roles[role_code], unit=team))
        RoleGrant.objects.bulk_create(grants, batch_size=500)
    owners = (
        RoleGrant.objects.filter(
            unit_id__in=[s.team_id for s in slots],
            role__code__in=("specialist", "account_manager"),
            user__is_active=True,
            user__username__startswith="gen_",
        )
        .order_by("user__username")
        .values_list("unit_id", "user_id")
    )
    by_team = {s.team_id: s for s in slots}
    for team_id, user_id in owners:
        by_team[team_id].owner_ids.append(user_id)
    return slots


def _unit(code, name, kind, parent):
    from kam.org.models import OrgUnit

    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        unit = OrgUnit.objects.filter(parent=parent, name=name, kind=kind).first()
    if unit is None:
        unit = OrgUnit.objects.create(code=code, name=name, kind=kind, parent=parent)
    return unit


def existing_org_slots() -> list[OrgSlot]:
    """Teams that already have active specialists or account managers, with their region
    guessed from the names of the team's ancestors (华东…, 华南…)."""
    from kam.org.models import OrgUnit, RoleGrant

    rows = (
        RoleGrant.objects.filter(
            role__code__in=("specialist", "account_manager"),
            user__is_active=True,
            unit__is_active=True,
            unit__kind=OrgUnit.Kind.TEAM,
        )
        .order_by("unit__path", "user__username")
        .values_list("unit_id", "unit__path", "user_id")
    )
    names = dict(OrgUnit.objects.values_list("pk", "name"))
    slots: dict[int, OrgSlot] = {}
    for unit_id, path, user_id in rows:
        slot = slots.get(unit_id)
        if slot is None:
            chain = "".join(names.get(int(p), "") for p in path.strip(".").split("."))
            region = next((k for k, short in REGION_SHORT.items() if short in chain), None)
            if region is None and "上海" in chain:
                region = "east"
            slot = slots[unit_id] = OrgSlot(team_id=unit_id, region=region, owner_ids=[])
        if user_id not in slot.owner_ids:
            slot.owner_ids.append(user_id)
    return list(slots.values())


_THREE_YEARS = 3 * 365 * 86400


class _BulkInserter:
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
            if f.primary_key and not with_pk:
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
    w_customer = _BulkInserter(Customer, connection, with_pk=True, now=now)
    w_contact = _BulkInserter(Contact, connection, with_pk=False, now=now)
    w_sales = _BulkInserter(CustomerYearSales, connection, with_pk=False, now=now)
    w_seat = _BulkInserter(AccountTeamMember, connection, with_pk=False, now=now)
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
            f["completeness"] = completeness_of(f, has_contacts=bool(g.contacts), has_sales=bool(g.yearly_sales))
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
