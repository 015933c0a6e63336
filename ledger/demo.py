"""The ledger's demo: a category tree and a few hundred items spread over the last twelve months,
opened and handled by org's demo logins (org/demo.py, the step before this one of ``load_demo``).

Every item is driven through the service layer (ledger.services) under a frozen clock that is moved
forward step by step, so each item has a real timeline: its events are in time order and its deadlines
are counted in working days from its historical dispatch. Names, phones and enterprises are fictional
(Faker zh_CN); credit codes and phone numbers are valid.

    load(DemoOptions(items=400, seed=1), out)   # idempotent: a second run adds nothing
"""

import datetime as dt
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from faker import Faker
from freezegun import freeze_time
from stdnum.cn import uscc

from core.demo import DemoOptions, Output
from core.validators import normalize_id_number
from ledger import services
from ledger.models import (
    Callback,
    Category,
    Channel,
    Item,
    Kind,
    Priority,
    Result,
    ResultKind,
    Satisfaction,
    Status,
    SubmitterType,
    TimeLimit,
    TimeUnit,
)
from ledger.reconcile import ledger_reconcile
from ledger.selectors import at_risk_q, at_risk_threshold, overdue_q
from org.demo import CITY, COUNTIES, PREFIXES, logins, mobile, short_name
from org.models import Department, Division, Role
from workdays.models import SpecialDay
from workdays.selectors import add_working_days, is_working_day

# ---------------------------------------------------------------------------------------------
# Reference data: categories, the counties' weights, routes, industries and roads

CATEGORIES = [
    ("01", "企业服务", "企业 惠企 营商环境", [
        ("0101", "融资", "贷款 融资 转贷 授信"),
        ("0102", "用地", "用地 土地 厂房 不动产"),
        ("0103", "用工", "招工 用工 人才 技工"),
        ("0104", "审批", "审批 许可 验收 备案"),
        ("0105", "政策兑现", "补助 奖励 兑现 政策"),
    ]),
    ("02", "城乡建设", "住建 市政", [
        ("0201", "道路", "道路 路面 人行道 井盖"),
        ("0202", "供水", "停水 水压 水质"),
        ("0203", "燃气", "燃气 煤气 管道"),
        ("0204", "物业", "物业 小区 电梯"),
    ]),
    ("03", "城市管理", "城管 市容", [
        ("0301", "路灯", "路灯 照明"),
        ("0302", "积水", "积水 排水 内涝"),
        ("0303", "占道经营", "摊贩 占道"),
        ("0304", "违章搭建", "违建 搭建"),
    ]),
    ("04", "市场监管", "市场 消费", [
        ("0401", "食品安全", "食品 餐饮 卫生"),
        ("0402", "价格收费", "价格 收费 明码标价"),
        ("0403", "消费维权", "消费 退款 预付卡"),
    ]),
    ("05", "生态环境", "环保 污染", [
        ("0501", "噪声", "噪音 噪声 施工"),
        ("0502", "大气", "异味 废气 扬尘"),
        ("0503", "水污染", "河道 黑臭 排污"),
    ]),
    ("06", "社会保障", "社保 就业", [
        ("0601", "社保医保", "社保 医保 养老"),
        ("0602", "就业创业", "就业 补贴 创业"),
        ("0603", "欠薪", "欠薪 工资 农民工"),
    ]),
    ("07", "教育卫生", "教育 医疗", [
        ("0701", "教育", "入学 学位 学校"),
        ("0702", "医疗卫生", "医院 卫生院 医保"),
    ]),
    ("08", "矛盾纠纷", "纠纷 调解", [
        ("0801", "邻里纠纷", "邻里 漏水 噪音"),
        ("0802", "劳资纠纷", "工伤 劳资 赔偿"),
        ("0803", "物业纠纷", "物业费 业委会"),
        ("0804", "土地纠纷", "宅基地 承包地 边界"),
    ]),
]  # fmt: skip

COUNTY_WEIGHTS = {"350502": 40, "350503": 15, "350582": 20, "350583": 15, None: 10}  # None: elsewhere, city-run
# Which kind of department handles which category; "JDB" is the township office (街道办/镇政府).
ROUTES = {
    "0101": ["GXJ"],
    "0102": ["ZRZY"],
    "0103": ["RSJ"],
    "0104": ["ZJJ", "SJGL"],
    "0105": ["GXJ", "SWJ"],
    "02": ["ZJJ"],
    "03": ["CGJ"],
    "04": ["SJJ"],
    "05": ["STHJ"],
    "06": ["RSJ"],
    "0701": ["JYJ"],
    "0702": ["WJJ"],
    "0801": ["JDB", "SFJ"],
    "0802": ["RSJ", "JDB"],
    "0803": ["JDB", "ZJJ"],
    "0804": ["JDB", "ZRZY"],
}
INDUSTRIES = {
    "350502": ["电子", "科技", "机械", "电气"],
    "350503": ["信息技术", "软件", "商贸", "文化传媒"],
    "350582": ["鞋业", "纺织", "服装", "食品", "陶瓷"],
    "350583": ["石材", "水暖", "建材", "阀门"],
    None: ["服装", "茶业", "陶瓷", "石雕", "化工", "机械"],
}
ROADS = {
    "350502": ["中山路", "温陵路", "新华路", "西街", "东街", "涂门街", "江滨北路", "金山路", "常泰路"],
    "350503": ["丰泽街", "田安路", "刺桐路", "泉秀路", "东海大街", "宝洲路", "津淮街", "通港西街"],
    "350582": ["世纪大道", "泉安中路", "长兴路", "崇德路", "迎宾路", "晋新路", "青华路"],
    "350583": ["成功街", "新华街", "柳城中路", "溪美中路", "滨江大道", "仑苍大道"],
    None: ["人民路", "建设路", "环城路", "工业路", "中心街"],
}


# ---------------------------------------------------------------------------------------------
# Item templates: what people in Quanzhou ask for. E: enterprise, R: resident.
# Placeholders: {company} {road} {road2} {place} {town} {n} {amount} (万元) {mu} {workers} {yuan} {cm}


@dataclass(frozen=True)
class Template:
    category: str
    who: str  # "E" or "R"
    kinds: tuple[str, ...]
    channels: tuple[str, ...]
    title: str
    description: str
    measures: tuple[str, ...]
    result: tuple[str, str]  # (ResultKind, text)
    priority: str = Priority.NORMAL


K, C, R = Kind, Channel, ResultKind
ENTERPRISE_CHANNELS = (C.VISIT, C.SYMPOSIUM, C.RESEARCH, C.HOTLINE, C.ONSITE_OFFICE)
RESIDENT_CHANNELS = (C.HOTLINE, C.HOTLINE, C.NEIGHBOURHOOD_CENTRE, C.ONSITE_OFFICE)

TEMPLATES = [
    Template("0101", "E", (K.REQUEST, K.PROBLEM), ENTERPRISE_CHANNELS, "技改项目融资需求",
             "{company}计划投资{amount}万元实施生产线智能化改造，流动资金紧张，希望协调银行对接“技改贷”等低息贷款。",
             ("组织银企对接会，推荐合作银行", "协助企业准备授信材料"), (R.FUNDS_GRANTED, "协调合作银行发放技改贷款")),
    Template("0101", "E", (K.REQUEST,), ENTERPRISE_CHANNELS, "申请应急转贷资金过桥",
             "{company}一笔{amount}万元银行贷款即将到期，续贷审批周期较长，申请使用市应急转贷资金过桥，避免资金链断裂。",
             ("审核转贷申请材料", "协调银行出具续贷承诺"), (R.FUNDS_GRANTED, "使用应急转贷资金完成过桥续贷")),
    Template("0102", "E", (K.PROBLEM, K.REQUEST), ENTERPRISE_CHANNELS, "增资扩产项目用地指标紧张",
             "{company}增资扩产项目已签约，需新增工业用地约{mu}亩，希望协调用地指标和土地收储进度，确保项目年内开工。",
             ("梳理周边可供工业用地", "纳入年度供地计划"), (R.SOLVED, "已纳入年度供地计划，完成土地挂牌出让")),
    Template("0102", "E", (K.PROBLEM,), ENTERPRISE_CHANNELS, "自建厂房不动产权证办理缓慢",
             "{company}自建厂房已竣工两年，不动产权证因历史遗留问题至今未办出，影响企业抵押融资，请协调解决。",
             ("组织自然资源、住建部门会商", "按历史遗留问题处置办法补办手续"),
             (R.RULE_CHANGED, "出台历史遗留不动产登记处置办法，已办证")),
    Template("0103", "E", (K.REQUEST,), ENTERPRISE_CHANNELS, "订单增加招工难",
             "{company}因订单增加，急需招聘车工、缝纫工等一线工人约{workers}人，希望人社部门协助对接劳务输出地和职业院校。",
             ("发布专场招聘信息", "组织劳务协作地对接"), (R.SOLVED, "举办专场招聘会，企业招到工人")),
    Template("0103", "E", (K.CONSULTATION,), (C.HOTLINE, C.SYMPOSIUM), "技能人才引进补贴政策咨询",
             "{company}新引进高级技工{workers}名，咨询人才引进补贴和住房补贴的申报条件及办理流程。",
             ("电话解答补贴政策",), (R.EXPLAINED, "已向企业解释申报条件和流程")),
    Template("0104", "E", (K.PROBLEM,), ENTERPRISE_CHANNELS, "新建车间消防验收迟迟未安排",
             "{company}新建车间已完工，消防验收申请提交一个多月仍未安排现场查验，影响设备进场投产，希望加快审批。",
             ("核查审批进度", "安排现场查验"), (R.SOLVED, "已完成消防验收，出具合格意见")),
    Template("0104", "E", (K.SUGGESTION,), (C.SYMPOSIUM, C.ONLINE_CAMPAIGN), "建议推行工业项目“拿地即开工”",
             "我为泉州高质量发展献策：建议对工业项目推行“拿地即开工”，将施工许可、规划许可并联审批，压缩企业等待时间。",
             ("研究并联审批方案",), (R.RULE_CHANGED, "出台工业项目“拿地即开工”审批改革措施")),
    Template("0105", "E", (K.PROBLEM,), ENTERPRISE_CHANNELS, "技改补助资金未拨付",
             "{company}去年获评市级技改示范项目，补助资金{amount}万元至今未拨付，请协调兑现。",
             ("核对补助资金拨付流程", "协调财政部门拨付"), (R.FUNDS_GRANTED, "技改补助资金已拨付到位")),
    Template("0105", "E", (K.CONSULTATION, K.REQUEST), ENTERPRISE_CHANNELS, "专精特新“小巨人”奖励申报",
             "{company}今年获评国家级专精特新“小巨人”企业，咨询市、县两级奖励资金的申报和兑现时间。",
             ("指导企业提交申报材料",), (R.FUNDS_GRANTED, "奖励资金已兑现")),
    Template("0105", "E", (K.SUGGESTION,), (C.ONLINE_CAMPAIGN, C.SYMPOSIUM), "建议惠企政策“免申即享”",
             "我为强市惠民建言：惠企政策申报材料重复提交较多，建议部门间共享数据，对符合条件的企业推行“免申即享”。",
             ("梳理可免申政策清单",), (R.POLICY_ISSUED, "发布第一批“免申即享”政策清单")),
    Template("0105", "E", (K.COMPLAINT,), (C.HOTLINE,), "外贸企业出口信保补贴申领受阻",
             "{company}按政策申领出口信用保险保费补贴，系统提示材料不全，但未说明缺少什么，多次咨询未果。",
             ("核查申报系统记录", "一对一指导补齐材料"), (R.FUNDS_GRANTED, "保费补贴已发放")),
    Template("0201", "R", (K.PROBLEM, K.COMPLAINT), RESIDENT_CHANNELS, "{road}路面塌陷",
             "{road}{n}号附近路面出现约一米见方的塌陷，过往车辆和行人存在安全隐患，请尽快处理。",
             ("现场设置警示围挡", "安排施工队修复路面"), (R.SOLVED, "路面已修复，恢复通行")),
    Template("0201", "R", (K.PROBLEM,), RESIDENT_CHANNELS, "{road}人行道地砖破损",
             "{road}{n}号至{road2}路口人行道地砖大面积松动破损，老人和小孩容易绊倒，请维修。",
             ("现场勘查破损范围", "更换破损地砖"), (R.SOLVED, "已更换破损地砖")),
    Template("0202", "R", (K.REQUEST, K.COMPLAINT), (C.HOTLINE, C.APP), "{place}突然停水未提前通知",
             "{place}片区从今天早上开始停水，事先没有接到任何通知，家中老人小孩用水困难，请问何时恢复供水。",
             ("联系供水公司抢修", "安排送水车临时供水"), (R.SOLVED, "管道抢修完毕，已恢复供水"), Priority.URGENT),
    Template("0202", "R", (K.PROBLEM,), RESIDENT_CHANNELS, "{place}自来水发黄",
             "{place}{n}号楼住户反映近一周自来水发黄、有异味，担心水质安全，请检测处理。",
             ("取样检测水质", "冲洗二次供水水箱"), (R.SOLVED, "二次供水水箱已清洗，水质检测合格")),
    Template("0203", "R", (K.REPORT, K.REQUEST), (C.HOTLINE,), "楼道内有燃气泄漏气味",
             "{place}{n}号楼楼道内有明显燃气味，怀疑管道泄漏，请立即派人检查。",
             ("燃气公司到场关阀检查", "更换老化管道"), (R.SOLVED, "已更换老化管道，检测无泄漏"), Priority.CRITICAL),
    Template("0203", "R", (K.CONSULTATION,), (C.HOTLINE,), "老旧小区管道燃气开户咨询",
             "{place}老旧小区改造后已铺设燃气管道，咨询居民如何办理开户通气，费用如何计算。",
             ("电话答复开户流程",), (R.EXPLAINED, "已告知开户流程和收费标准")),
    Template("0204", "R", (K.COMPLAINT,), RESIDENT_CHANNELS, "小区物业长期不作为",
             "{place}某小区物业公司长期不清运垃圾，电梯多次故障无人维修，业主多次反映无果。",
             ("约谈物业公司负责人", "督促限期整改"), (R.SOLVED, "物业公司已整改，电梯恢复运行")),
    Template("0204", "R", (K.REQUEST,), RESIDENT_CHANNELS, "老旧小区加装电梯申请",
             "{place}{n}号楼为七层老旧住宅，楼内老人多，居民申请加装电梯，希望了解补助政策并协调审批。",
             ("指导居民协商签字", "办理加装电梯审批"), (R.FUNDS_GRANTED, "加装电梯已纳入补助计划")),
    Template("0301", "R", (K.PROBLEM,), RESIDENT_CHANNELS, "{road}路灯不亮",
             "{road}自{n}号至路口一段路灯已连续多日不亮，夜间出行不便，存在安全隐患。",
             ("排查线路故障", "更换损坏灯具"), (R.SOLVED, "路灯已修复")),
    Template("0302", "R", (K.PROBLEM, K.COMPLAINT), RESIDENT_CHANNELS, "雨后{road}严重积水",
             "每逢下雨，{road}与{road2}交叉口积水深达{cm}厘米，行人无法通行，请疏通排水管网。",
             ("清疏雨水管道", "增设雨水篦子"), (R.SOLVED, "排水管网已清疏，积水问题解决")),
    Template("0303", "R", (K.COMPLAINT,), RESIDENT_CHANNELS, "{road}流动摊贩占道经营",
             "{road}{n}号附近每天傍晚聚集大量流动摊贩，占用人行道和车道，造成交通拥堵和垃圾遍地。",
             ("加强巡查劝导", "引导摊贩进入便民疏导点"), (R.SOLVED, "已设置便民疏导点，占道问题明显改善")),
    Template("0304", "R", (K.REPORT,), (C.HOTLINE, C.NEIGHBOURHOOD_CENTRE), "{place}有人违规搭建铁皮房",
             "{place}{n}号旁有人在公共绿地上搭建铁皮房，疑似未经审批，请核查处理。",
             ("现场核查", "下达限期拆除通知"), (R.SOLVED, "违建已拆除")),
    Template("0401", "R", (K.REPORT, K.COMPLAINT), (C.HOTLINE,), "{road}一餐饮店卫生状况差",
             "{road}{n}号一家餐饮店后厨卫生状况差，有苍蝇老鼠，食用后身体不适，请检查。",
             ("执法人员现场检查", "责令整改并复查"), (R.SOLVED, "商家已整改，复查合格")),
    Template("0402", "R", (K.COMPLAINT,), (C.HOTLINE,), "停车场收费未明码标价",
             "{place}附近一停车场收费未公示标准，停车两小时被收取{yuan}元，请查处。",
             ("现场检查收费公示", "责令明码标价"), (R.SOLVED, "停车场已公示收费标准")),
    Template("0403", "R", (K.COMPLAINT,), (C.HOTLINE, C.NEIGHBOURHOOD_CENTRE), "预付卡商家闭店无法退款",
             "{road}一家健身房突然关门，本人办理的预付年卡余额{yuan}元无法退还，请协助维权。",
             ("联系商家负责人", "组织消费者与商家调解"), (R.SOLVED, "商家已分批退款")),
    Template("0501", "R", (K.COMPLAINT,), RESIDENT_CHANNELS, "夜间施工噪音扰民",
             "{place}附近工地每晚施工至凌晨，噪音严重影响周边居民休息，请查处。",
             ("夜间现场检查", "责令停止违规夜间施工"), (R.SOLVED, "工地已停止夜间施工")),
    Template("0501", "R", (K.COMPLAINT,), RESIDENT_CHANNELS, "广场舞音响声音过大",
             "{place}小广场每晚跳广场舞音响声音过大，持续到晚上十点以后，影响居民休息。",
             ("社区协调舞蹈队", "约定音量和时间"), (R.SOLVED, "已约定音量和结束时间")),
    Template("0502", "R", (K.REPORT,), (C.HOTLINE,), "工业区企业排放刺激性气味",
             "{town}工业区一家企业夜间排放刺激性气味，周边居民闻到后头晕，请环保部门查处。",
             ("夜间突击检查", "监测废气排放"), (R.SOLVED, "企业已整改废气处理设施")),
    Template("0503", "R", (K.PROBLEM, K.REPORT), RESIDENT_CHANNELS, "{place}河道出现黑臭水体",
             "{place}附近河道近期水体发黑发臭，疑似有生活污水直排，请查明排污源并治理。",
             ("排查沿河排污口", "截污纳管"), (R.SOLVED, "已完成截污，河道水质改善")),
    Template("0503", "R", (K.SUGGESTION,), (C.ONLINE_CAMPAIGN, C.NEIGHBOURHOOD_CENTRE), "建议晋江沿岸增设亲水步道",
             "我为强市惠民建言：建议在晋江沿岸增设亲水步道和休闲设施，方便市民锻炼。",
             ("纳入滨江景观提升方案",), (R.POLICY_ISSUED, "建议已纳入滨江景观提升方案")),
    Template("0601", "R", (K.CONSULTATION,), (C.HOTLINE,), "灵活就业人员社保缴费咨询",
             "本人为灵活就业人员，咨询在泉州如何办理养老保险和医疗保险参保缴费，缴费基数如何选择。",
             ("电话解答",), (R.EXPLAINED, "已告知参保流程和缴费档次")),
    Template("0601", "R", (K.REQUEST,), (C.HOTLINE, C.NEIGHBOURHOOD_CENTRE), "异地就医备案办理求助",
             "本人父亲需到外省住院治疗，不会使用手机办理异地就医备案，请求协助办理。",
             ("社区网格员上门协助",), (R.SOLVED, "已协助办理异地就医备案")),
    Template("0602", "R", (K.REQUEST, K.CONSULTATION), RESIDENT_CHANNELS, "高校毕业生就业补贴申领",
             "本人是应届高校毕业生，已在{town}一家企业就业，申领就业补贴时系统显示不符合条件，请核实。",
             ("核查社保缴纳记录", "指导重新申报"), (R.FUNDS_GRANTED, "就业补贴已发放")),
    Template("0603", "R", (K.COMPLAINT, K.PETITION), (C.HOTLINE, C.PETITION_RECEPTION), "工地拖欠农民工工资",
             "本人在{place}某建筑工地务工，工程队拖欠{workers}名工人工资共计约{amount}万元，多次讨要未果。",
             ("约谈施工总包单位", "启用工资保证金"), (R.FUNDS_GRANTED, "拖欠工资已全额支付")),
    Template("0701", "R", (K.CONSULTATION,), (C.HOTLINE, C.NEIGHBOURHOOD_CENTRE), "随迁子女入学政策咨询",
             "本人在{town}务工，孩子今年上小学，咨询随迁子女入学需要准备哪些材料、积分如何计算。",
             ("电话解答入学政策",), (R.EXPLAINED, "已告知入学材料和积分办法")),
    Template("0701", "R", (K.SUGGESTION,), (C.ONLINE_CAMPAIGN, C.NEIGHBOURHOOD_CENTRE), "建议{town}增加公办幼儿园学位",
             "我为强市惠民建言：{town}近年新建小区较多，公办幼儿园学位紧张，建议新建或扩建公办园。",
             ("纳入学前教育布局规划",), (R.POLICY_ISSUED, "新建公办幼儿园已纳入年度计划")),
    Template("0702", "R", (K.COMPLAINT,), RESIDENT_CHANNELS, "社区卫生服务中心排队时间长",
             "{place}社区卫生服务中心上午看病排队时间长，只有一个医生坐诊，老人等候困难。",
             ("调整医生排班", "推行分时段预约"), (R.SOLVED, "已增加坐诊医生并推行预约")),
    Template("0801", "R", (K.DISPUTE,), (C.PETITION_RECEPTION, C.NEIGHBOURHOOD_CENTRE, C.HOTLINE), "上下楼邻里漏水纠纷",
             "{place}{n}号楼上下层住户因卫生间漏水问题多次发生争执，请求社区调解。",
             ("网格员上门了解情况", "组织双方调解"), (R.SOLVED, "双方达成调解协议，楼上住户修复防水")),
    Template("0801", "R", (K.DISPUTE,), (C.PETITION_RECEPTION, C.NEIGHBOURHOOD_CENTRE), "宅基地边界邻里纠纷",
             "{place}两户村民因宅基地边界和滴水位置发生纠纷，多次争吵，请求村委会和司法所调解。",
             ("现场测量边界", "人民调解委员会调解"), (R.SOLVED, "双方签订人民调解协议")),
    Template("0802", "R", (K.DISPUTE, K.PETITION), (C.PETITION_RECEPTION, C.HOTLINE), "工伤赔偿劳资纠纷",
             "本人在{town}一家工厂上班时手部受伤，企业不愿按工伤标准赔偿，请求调解。",
             ("劳动仲裁调解", "督促企业申报工伤认定"), (R.SOLVED, "双方达成赔偿协议")),
    Template("0803", "R", (K.DISPUTE,), (C.NEIGHBOURHOOD_CENTRE, C.PETITION_RECEPTION), "业主与物业因物业费调价纠纷",
             "{place}某小区物业公司单方面上调物业费，业主不同意，双方矛盾激化，请求街道协调。",
             ("召开业主、物业协商会", "指导依法表决"), (R.SOLVED, "经协商物业费调整方案获业主大会通过")),
    Template("0804", "R", (K.DISPUTE, K.PETITION), (C.PETITION_RECEPTION, C.ONSITE_OFFICE), "承包地边界纠纷",
             "{place}村民反映与邻组村民承包地边界不清，多次发生冲突，请求确权划界。",
             ("查阅土地承包档案", "现场确界"), (R.SOLVED, "已现场确界，双方认可")),
    Template("0804", "R", (K.PETITION,), (C.PETITION_RECEPTION,), "征迁安置补偿问题信访",
             "{place}村民反映征迁安置房交付延期，过渡费发放标准不一，要求说明情况并按时发放。",
             ("核查安置进度", "统一过渡费标准"), (R.RULE_CHANGED, "统一过渡费发放标准并补发")),
]  # fmt: skip

CALLBACK_NOTES = {
    Satisfaction.SATISFIED: "诉求人表示问题已解决，对办理结果满意。",
    Satisfaction.BASICALLY_SATISFIED: "诉求人表示基本解决，希望后续加强管理。",
    Satisfaction.UNSATISFIED: "诉求人反映问题仍未彻底解决，要求重新办理。",
}
# Most of a year's items are closed; what is still open is recent.
STATUS_WEIGHTS = {
    Status.CLOSED: 64,
    Status.CALLED_BACK: 4,
    Status.RESOLVED: 5,
    Status.IN_PROGRESS: 13,
    Status.REDO: 3,
    Status.DISPATCHED: 5,
    Status.RETURNED: 2,
    Status.OPEN: 4,
}
FORCED_VARIANTS = {Status.IN_PROGRESS: ("at_risk", "overdue"), Status.DISPATCHED: ("fresh", "late_ack")}

# ---------------------------------------------------------------------------------------------
# Loading


def load(options: DemoOptions, out: Output) -> None:
    """Load the categories and, when none of the demo call-takers has opened any item yet, the items."""
    started = time.monotonic()
    rng = random.Random(options.seed)
    faker = Faker("zh_CN")
    faker.seed_instance(options.seed)
    skipped = False
    # Notices are for real work: keep the demo's hundreds of dispatches out of the mailbox.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
        categories = _categories()
        intake = [x.username for x in logins() if x.role in (Role.CALL_TAKER, Role.ADMIN)]
        if Item.objects.filter(first_receiver__username__in=intake).exists():
            skipped = True
        elif options.items > 0:
            _Generator(rng, faker, options.items).run()
            ledger_reconcile()
    out.write(f"ledger: created {categories} categories in {time.monotonic() - started:.1f} s")
    if skipped:
        out.write("demo items were already loaded: none added")
    stats = _stats()
    statuses = " · ".join(f"{k.removeprefix('status ')} {v}" for k, v in stats.items() if k.startswith("status "))
    out.write(f"items: {stats['items']} ({statuses})")
    out.write(
        f"overdue {stats['overdue']} · at risk {stats['at risk']} · results {stats['results']} "
        f"(funds granted {stats['funds granted']}) · callbacks "
        + " / ".join(f"{k.removeprefix('callbacks ')} {v}" for k, v in stats.items() if k.startswith("callbacks "))
    )


def _categories() -> int:
    created = 0
    for code, name, keywords, children in CATEGORIES:
        parent, made = Category.objects.get_or_create(code=code, defaults={"name": name, "keywords": keywords})
        created += made
        for child_code, child_name, child_keywords in children:
            _, made = Category.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent, "keywords": child_keywords}
            )
            created += made
    # Disputes are complex matters: 15 working days (12345 practice), where the default is 7.
    TimeLimit.objects.get_or_create(
        category=Category.objects.get(code="08"),
        priority=Priority.NORMAL,
        defaults={
            "acknowledge_within": 1,
            "acknowledge_unit": TimeUnit.WORKING_DAYS,
            "resolve_within": 15,
            "resolve_unit": TimeUnit.WORKING_DAYS,
        },
    )
    return created


def _stats() -> dict[str, int]:
    now = timezone.now()
    stats = {f"status {s}": Item.objects.filter(status=s).count() for s in Status.values}
    stats["items"] = Item.objects.count()
    stats["overdue"] = Item.objects.filter(overdue_q(now)).count()
    stats["at risk"] = Item.objects.filter(at_risk_q(now)).count()
    stats["results"] = Result.objects.count()
    stats["funds granted"] = Result.objects.filter(kind=ResultKind.FUNDS_GRANTED).count()
    for s in Satisfaction.values:
        stats[f"callbacks {s}"] = Callback.objects.filter(satisfaction=s).count()
    return stats


# ---------------------------------------------------------------------------------------------
# Fictional submitters with valid numbers


def _id_number(faker: Faker) -> str:
    for _ in range(50):
        try:
            return normalize_id_number(faker.ssn())
        except ValidationError:
            continue
    return ""


def credit_code(rng: random.Random, region: str) -> str:
    """A valid unified social credit code: 9 (market regulator) 1 (enterprise), the region, an
    organisation code with its GB 11714 check character, and the USCC check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    check = 11 - sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    org = body + {10: "X", 11: "0"}.get(check, str(check))
    first17 = f"91{region}{org}"
    return first17 + uscc.calc_check_digit(first17)


@dataclass
class Enterprise:
    name: str
    credit_code: str
    contact: str
    phone: str


@dataclass
class Plan:
    status: str
    variant: str
    template: Template
    kind: str
    channel: str
    county: str | None


# ---------------------------------------------------------------------------------------------
# The item generator


class _Generator:
    def __init__(self, rng: random.Random, faker: Faker, count: int):
        self.rng, self.faker, self.count = rng, faker, count
        self.now = timezone.now()
        self.limit = self.now - dt.timedelta(minutes=2)
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.select_related("person__department__division")}
        self.categories = {c.code: c for c in Category.objects.select_related("parent")}
        self.departments = list(Department.objects.select_related("division"))
        self.handlers: dict[int, list] = {}
        for u in self.users.values():
            person = getattr(u, "person", None)
            if person is not None and person.role == Role.HANDLER and person.department_id:
                self.handlers.setdefault(person.department_id, []).append(u)
        self.townships: dict[str, list[Division]] = {}
        self.villages: dict[str, list[Division]] = {}
        for d in Division.objects.filter(level__in=["township", "village", "grid"]).order_by("code"):
            if d.level == Division.Level.TOWNSHIP:
                self.townships.setdefault(d.path.split("/")[1], []).append(d)
            else:
                self.villages.setdefault(d.path.split("/")[2], []).append(d)
        self.counties = {d.code: d for d in Division.objects.filter(level=Division.Level.COUNTY)}
        self.offices = {township for _c, _p, towns in COUNTIES for township, _slug in towns}
        self.enterprises: dict[str, list[Enterprise]] = {}
        self.at_risk_days: dict[int, list[dt.date]] = {}
        self.frozen = None
        self.special = dict(SpecialDay.objects.values_list("date", "is_workday"))
        self.office_hours = True

    # -- planning ---------------------------------------------------------------------------

    def plans(self) -> list[Plan]:
        statuses = list(STATUS_WEIGHTS)
        plans = []
        for i in range(self.count):
            status = statuses[i % 8] if i < 16 else self.rng.choices(statuses, weights=STATUS_WEIGHTS.values())[0]
            plan = self._plan(status, force_kind=Kind.values[i] if i < 8 else None)
            if i < 16 and plan.status in FORCED_VARIANTS:  # at least one at risk and one overdue
                plan.variant = FORCED_VARIANTS[plan.status][i // 8]
            plans.append(plan)
        # Every channel at least once (the kinds were forced above).
        for i, channel in enumerate(Channel.values):
            if self.count > 8 + i and channel not in {p.channel for p in plans}:
                # the first plan from 8 + i on whose channel is not needed elsewhere and whose
                # status has a template for this channel
                for j in range(8 + i, self.count):
                    fits = [t for t in self._pool(plans[j].status) if channel in t.channels]
                    if fits and sum(p.channel == plans[j].channel for p in plans) > 1:
                        template = self.rng.choice(fits)
                        kind = self.rng.choice(template.kinds)
                        plans[j] = Plan(plans[j].status, plans[j].variant, template, kind, channel, self._county())
                        break
        return plans

    def _pool(self, status: str) -> list[Template]:
        if status in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REDO):
            return [t for t in TEMPLATES if t.priority == Priority.NORMAL]
        return TEMPLATES

    def _plan(self, status: str, force_kind: str | None = None) -> Plan:
        pool = self._pool(status)
        if force_kind:
            pool = [t for t in pool if force_kind in t.kinds]
        template = self.rng.choice(pool)
        kind = force_kind or self.rng.choice(template.kinds)
        variant = "normal"
        if status == Status.IN_PROGRESS:
            variant = self.rng.choices(["on_track", "at_risk", "overdue", "extended"], [40, 22, 28, 10])[0]
        elif status == Status.DISPATCHED:
            variant = self.rng.choices(["fresh", "late_ack"], [70, 30])[0]
        return Plan(status, variant, template, kind, self.rng.choice(template.channels), self._county())

    def _county(self) -> str | None:
        counties = list(COUNTY_WEIGHTS)
        return self.rng.choices(counties, weights=COUNTY_WEIGHTS.values())[0]

    # -- places and people ------------------------------------------------------------------

    def _place(self, county: str | None) -> Division:
        if county is None:
            county = self.rng.choice([c for c in self.counties if c not in COUNTY_WEIGHTS and c in self.townships])
        townships = self.townships[county]
        offices = [t for t in townships if t.code in self.offices]
        township = self.rng.choice(offices if offices and self.rng.random() < 0.6 else townships)
        villages = self.villages.get(township.code) or [township]
        return self.rng.choice(villages)

    def _enterprise(self, county: str | None, division: Division) -> Enterprise:
        region = division.path.split("/")[1]  # the county: enterprises come back with more requests
        pool = self.enterprises.setdefault(region, [])
        if len(pool) < 12 or self.rng.random() < 0.3:
            place = self.counties[region].name.rstrip("区市县") if region in self.counties else "泉州"
            industry = self.rng.choice(INDUSTRIES[county])
            name = f"{place}{self.faker.company_prefix()}{industry}有限公司"
            code = credit_code(self.rng, region) if self.rng.random() < 0.8 else ""
            pool.append(Enterprise(name, code, self.faker.name(), mobile(self.faker)))
            return pool[-1]
        return self.rng.choice(pool)

    def _words(self, county: str | None, division: Division, enterprise: Enterprise | None) -> dict[str, object]:
        """The words for one item's title and description: drawn once, so both tell the same story."""
        roads = ROADS[county if county in ROADS else None]
        road, road2 = self.rng.sample(roads, 2)
        township = division.parent if division.level == Division.Level.VILLAGE else division
        while township.level not in (Division.Level.TOWNSHIP, Division.Level.COUNTY) and township.parent_id:
            township = township.parent
        village = division if division.level == Division.Level.VILLAGE else (division.parent or division)
        return dict(
            company=enterprise.name if enterprise else "",
            road=road,
            road2=road2,
            place=short_name(village.name),
            town=township.name,
            n=self.rng.randint(1, 388),
            amount=self.rng.choice([50, 80, 100, 150, 200, 300, 500, 800, 1000, 1500, 2000]),
            mu=self.rng.choice([15, 20, 30, 45, 60, 80, 120]),
            workers=self.rng.choice([12, 20, 35, 50, 80, 120, 200]),
            yuan=self.rng.choice([30, 50, 1280, 2680, 3600, 4980]),
            cm=self.rng.choice([20, 30, 40, 50]),
        )

    def _department(self, template: Template, division: Division, exclude: Department | None = None) -> Department:
        kinds = ROUTES.get(template.category) or ROUTES[template.category[:2]]
        fits = [
            d
            for d in self.departments
            if d.code.rsplit("-", 1)[1] in kinds and division.path.startswith(d.division.path) and d != exclude
        ]
        local = [d for d in fits if d.division.code != CITY]
        if local and (self.rng.random() < 0.8 or len(local) == len(fits)):
            return self.rng.choice(local)
        if fits and (exclude is None or self.rng.random() < 0.5):
            return self.rng.choice([d for d in fits if d.division.code == CITY] or fits)
        others = [d for d in self.departments if division.path.startswith(d.division.path) and d != exclude]
        return self.rng.choice(others)

    def _handler(self, department: Department):
        return self.rng.choice(self.handlers[department.pk])

    def _leader(self, division: Division, city: bool = False):
        """The county's leader, or the city's for city-run matters and counties without one."""
        prefix = PREFIXES.get(division.path.split("/")[1])
        if city or prefix is None:
            return self.users["city_leader"]
        return self.users["leader" if prefix == "lc" else f"{prefix}_leader"]

    def _overseer(self, division: Division):
        county = division.path.split("/")[1]
        if county == "350502":
            return self.users["auditor"]
        return self.users["city_auditor"] if self.rng.random() < 0.5 else self._leader(division)

    def _calltaker(self, county: str | None):
        if county is None or self.rng.random() < 0.15:
            return self.users["city_calltaker"]
        prefix = PREFIXES[county]
        return self.users["calltaker" if prefix == "lc" else f"{prefix}_calltaker"]

    # -- time -------------------------------------------------------------------------------

    def _opened_at(self, plan: Plan, limit_days: int) -> dt.datetime:
        days = {
            Status.CLOSED: (6, 365),
            Status.CALLED_BACK: (4, 20),
            Status.RESOLVED: (2, 12),
            Status.REDO: (8, 30),
            Status.RETURNED: (0.2, 3),
            Status.OPEN: (0.02, 1.5),
        }.get(plan.status)
        if plan.status == Status.IN_PROGRESS:
            if plan.variant == "at_risk":
                day = self.rng.choice(self._at_risk_days(limit_days))
                return self._at(day, self.rng.uniform(8.5, 11))
            days = {"on_track": (0.1, 3), "overdue": (14 + 2 * limit_days, 90), "extended": (10, 25)}[plan.variant]
        if plan.status == Status.DISPATCHED:
            days = (0.05, 0.8) if plan.variant == "fresh" else (3, 8)
        when = self.now - dt.timedelta(days=self.rng.uniform(*days))
        if days[0] >= 2:  # most requests come in during the day
            when = self._at(timezone.localtime(when).date(), self.rng.uniform(8, 21))
        return min(when, self.limit - dt.timedelta(hours=1))

    def _at(self, day: dt.date, hour: float) -> dt.datetime:
        naive = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(hours=hour)
        return timezone.make_aware(naive)

    def _at_risk_days(self, limit_days: int) -> list[dt.date]:
        """Working days on which an item dispatched with this limit falls due today or on the next
        working day: at risk now."""
        if limit_days not in self.at_risk_days:
            today = timezone.localdate(self.now)
            due_by = timezone.localtime(at_risk_threshold(self.now)).date()
            days = []
            for back in range(1, 3 * limit_days + 20):
                day = today - dt.timedelta(days=back)
                if is_working_day(day):
                    due = timezone.localtime(add_working_days(self._at(day, 10), limit_days).due).date()
                    if today <= due <= due_by:
                        days.append(day)
            self.at_risk_days[limit_days] = days or [today]
        return self.at_risk_days[limit_days]

    # -- the walk ---------------------------------------------------------------------------

    def run(self) -> None:
        plans = self.plans()
        repeat = self._repeat_plan(plans)
        freezer = freeze_time(self.now)
        self.frozen = freezer.start()
        try:
            for i, plan in enumerate(plans):
                if i == repeat:
                    self._walk_repeat(plan)
                else:
                    self._walk(plan)
        finally:
            freezer.stop()

    def _repeat_plan(self, plans: list[Plan]) -> int | None:
        """The plan that becomes a repeat (重复件) merged into an earlier item: the last one, after
        the forced ones, whose status, kind and channel other plans also have."""
        for j in range(len(plans) - 1, 15, -1):
            others = plans[:j] + plans[j + 1 :]
            p = plans[j]
            if (
                any(o.status == p.status for o in others)
                and any(o.kind == p.kind for o in others)
                and any(o.channel == p.channel for o in others)
            ):
                return j
        return None

    def _walk_repeat(self, plan: Plan) -> None:
        """Another resident calls about a matter already in the ledger: the call-taker opens it, sees
        the repeat, and merges it into the first item, which then calls both back."""
        rng = self.rng
        original = (
            Item.objects.filter(status__in=(Status.OPEN, Status.DISPATCHED, Status.IN_PROGRESS, Status.REDO))
            .exclude(submitter_type=SubmitterType.ANONYMOUS)
            .order_by("-opened_at")
            .first()
        )
        if original is None:
            return self._walk(plan)
        calltaker = original.first_receiver
        opened = original.opened_at + dt.timedelta(hours=rng.uniform(1, 48))
        self.t = min(opened, self.limit - dt.timedelta(minutes=30)) - dt.timedelta(minutes=1)
        self.office_hours = False
        self._step(opened)
        repeat = services.item_open(
            actor=calltaker,
            title=f"{original.title}（再次反映）"[:200],
            description=original.description,
            kind=original.kind,
            channel=plan.channel,
            category=original.category,
            division=original.division,
            priority=original.priority,
            address=original.address,
            submitter_type=SubmitterType.RESIDENT,
            submitter_name=self.faker.name(),
            submitter_phone=mobile(self.faker),
        )
        last = original.events.order_by("-at").values_list("at", flat=True).first()
        self.t = max(self.t, last)
        self._later(10, 120)
        services.item_merge(
            item=repeat, actor=calltaker, into=original, reason="与在办事项为同一诉求，合并办理，两位诉求人均予回访。"
        )

    def _step(self, when: dt.datetime, office: bool | None = None) -> dt.datetime:
        """Move the frozen clock to ``when``: later than the last step, before the limit, and within
        office hours when ``office`` (by default: once dispatched, unless the matter is urgent)."""
        if self.office_hours if office is None else office:
            when = self._office(when)
        when = max(when, self.t + dt.timedelta(minutes=1))
        if when >= self.limit:
            when = self.t + (self.limit - self.t) * self.rng.uniform(0.05, 0.3)
        self.t = when
        self.frozen.move_to(when)
        return when

    def _office(self, when: dt.datetime) -> dt.datetime:
        """Departments work 8:30–17:30 on working days: an evening step moves to the afternoon
        before when it can, anything else to the next working morning."""
        local = timezone.localtime(when)
        day, hour = local.date(), local.hour + local.minute / 60

        def working(d: dt.date) -> bool:
            return self.special.get(d, d.weekday() < 5)

        if working(day):
            if 8.5 <= hour <= 17.5:
                return when
            if hour < 8.5:
                return self._at(day, self.rng.uniform(8.5, 10.5))
            earlier = self._at(day, self.rng.uniform(15, 17.5))
            if earlier > self.t:
                return earlier
        day += dt.timedelta(days=1)
        while not working(day):
            day += dt.timedelta(days=1)
        return self._at(day, self.rng.uniform(8.5, 10.5))

    def _later(self, lo_minutes: float, hi_minutes: float) -> dt.datetime:
        return self._step(self.t + dt.timedelta(minutes=self.rng.uniform(lo_minutes, hi_minutes)))

    def _walk(self, plan: Plan) -> None:
        rng, t = self.rng, plan.template
        category = self.categories[t.category]
        limit = services.time_limit_for(category=category, priority=t.priority)
        limit_days = limit.resolve_within if limit.resolve_unit == TimeUnit.WORKING_DAYS else 1
        division = self._place(plan.county)
        county = division.path.split("/")[1]
        county_key = county if county in ROADS else None
        calltaker = self._calltaker(county_key)
        # Enterprise matters are sponsored by a leader (领导包保) more often than not.
        sponsor = None
        if t.who == "E" and rng.random() < 0.6:
            sponsor = self._leader(division, city=calltaker.username == "city_calltaker")

        opened = self._opened_at(plan, limit_days)
        self.t = opened - dt.timedelta(minutes=1)
        self.office_hours = False  # requests come in at any hour, and the 12345 centre works 7×24
        self._step(opened)
        fields = self._submitter(plan, division, county_key)
        words = self._words(county_key, division, fields.pop("_enterprise", None))
        item = services.item_open(
            actor=calltaker,
            title=t.title.format(**words)[:200],
            description=t.description.format(**words),
            kind=plan.kind,
            channel=plan.channel,
            category=category,
            division=division,
            priority=t.priority,
            address=self._address(division, county_key),
            opened_at=opened,
            **fields,
        )
        if plan.status == Status.OPEN:
            return

        department = self._department(t, division)
        wrong_first = plan.status == Status.RETURNED or rng.random() < 0.07
        if wrong_first:
            wrong = self._department(t, division, exclude=department)
            if wrong.pk in self.handlers:
                self._later(5, 90)
                item = services.item_dispatch(item=item, actor=calltaker, department=wrong)
                returned_at = self.t + dt.timedelta(minutes=rng.uniform(30, 300))
                self._step(returned_at, office=t.priority == Priority.NORMAL)
                item = services.item_return(
                    item=item,
                    actor=self._handler(wrong),
                    reason=f"经核实，该事项不属于本单位职责范围，建议改派{department.name}。",
                )
                if plan.status == Status.RETURNED:
                    return
        self._later(5, 120)
        item = services.item_dispatch(item=item, actor=calltaker, department=department, sponsor=sponsor)
        handler = self._handler(department)
        self.office_hours = t.priority == Priority.NORMAL  # emergencies are handled around the clock
        if plan.status == Status.DISPATCHED:
            if plan.variant == "late_ack" and rng.random() < 0.6:
                self._step(item.acknowledge_due + dt.timedelta(hours=rng.uniform(2, 30)))
                item = services.item_urge(item=item, actor=calltaker, reason="已超过签收时限，请尽快签收办理。")
            return

        # Acknowledge: mostly within the limit.
        dispatched = item.dispatched_at
        if rng.random() < 0.9:
            ack = dispatched + (item.acknowledge_due - dispatched) * rng.uniform(0.02, 0.5)
        else:
            ack = item.acknowledge_due + dt.timedelta(hours=rng.uniform(1, 20))
        self._step(ack)
        item = services.item_acknowledge(item=item, actor=handler)
        measures = self._measures(item, handler, t)

        if plan.status == Status.IN_PROGRESS:
            self._in_progress(plan, item, handler, calltaker, division, measures)
            return

        item = self._resolve(item, handler, t, measures, late=rng.random() < 0.12)
        if plan.status == Status.RESOLVED:
            return
        if item.submitter_type == SubmitterType.ANONYMOUS:
            self._later(60, 60 * 24)
            services.item_sign_off(item=item, actor=calltaker, reason="匿名诉求，办结后直接销号。")
            return
        redo_first = plan.status == Status.REDO or (plan.status == Status.CLOSED and rng.random() < 0.08)
        if redo_first:
            item = self._callback(item, calltaker, Satisfaction.UNSATISFIED)
            if plan.status == Status.REDO:
                if rng.random() < 0.5:
                    self._later(60, 60 * 24)
                    services.item_note(item=item, actor=handler, text="已重新安排人员现场核查，制定整改方案。")
                return
            measures = self._measures(item, handler, t, redo=True)
            item = self._resolve(item, handler, t, measures, late=False)
        satisfaction = rng.choices([Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED], [75, 25])[0]
        item = self._callback(item, calltaker, satisfaction)
        if plan.status == Status.CALLED_BACK:
            return
        self._later(10, 60 * 48)
        closer = calltaker
        if item.sponsor_id and rng.random() < 0.5:
            closer = item.sponsor
        services.item_sign_off(item=item, actor=closer, reason="经回访核实，事项办结销号。")

    def _submitter(self, plan: Plan, division: Division, county: str | None) -> dict:
        t, rng = plan.template, self.rng
        if t.who == "E":
            enterprise = self._enterprise(county, division)
            return {
                "submitter_type": SubmitterType.ENTERPRISE,
                "submitter_name": enterprise.contact,
                "submitter_phone": enterprise.phone,
                "enterprise_name": enterprise.name,
                "enterprise_credit_code": enterprise.credit_code,
                "_enterprise": enterprise,
            }
        anonymous_ok = plan.status not in (Status.CALLED_BACK, Status.REDO) and plan.kind in (
            Kind.REPORT,
            Kind.COMPLAINT,
        )
        if anonymous_ok and rng.random() < 0.25:
            return {"submitter_type": SubmitterType.ANONYMOUS}
        resident = self.users["resident"]
        if county == "350502" and plan.channel in (Channel.HOTLINE, Channel.ONLINE_CAMPAIGN) and rng.random() < 0.15:
            return {
                "submitter_type": SubmitterType.RESIDENT,
                "submitter_name": resident.person.name,
                "submitter_phone": resident.person.phone,
                "submitter_user": resident,
            }
        fields = {
            "submitter_type": SubmitterType.RESIDENT,
            "submitter_name": self.faker.name(),
            "submitter_phone": mobile(self.faker),
        }
        if plan.kind in (Kind.PETITION, Kind.DISPUTE) and rng.random() < 0.7:
            fields["submitter_id_number"] = _id_number(self.faker)
        return fields

    def _address(self, division: Division, county: str | None) -> str:
        parts = []
        node = division
        while node is not None and node.level != Division.Level.COUNTY:
            if node.level != Division.Level.GRID:
                parts.append(node.name.removesuffix("居委会").removesuffix("委会"))
            node = node.parent
        road = self.rng.choice(ROADS[county if county in ROADS else None])
        return "".join(reversed(parts)) + f"{road}{self.rng.randint(1, 388)}号"

    def _measures(self, item: Item, handler, t: Template, redo: bool = False) -> list:
        made = []
        texts = t.measures if not redo else ("重新核查并制定整改方案",)
        for text in texts[: self.rng.randint(1, len(texts))]:
            self._later(20, 60 * 6)
            today = timezone.localdate()
            due = max(today, timezone.localtime(item.resolve_due).date() if item.resolve_due else today)
            due = min(due, today + dt.timedelta(days=self.rng.randint(1, 10)))
            made.append(services.item_add_measure(item=item, actor=handler, text=text, due=due))
        return made

    def _resolve(self, item: Item, handler, t: Template, measures: list, late: bool) -> Item:
        item.refresh_from_db()
        start, due = self.t, item.resolve_due
        if late:
            end = due + dt.timedelta(hours=self.rng.uniform(4, 24 * 6))
        else:
            end = start + (due - start) * self.rng.uniform(0.2, 0.9) if due > start else start
        for i, measure in enumerate(measures):
            self._step(start + (end - start) * (i + 1) / (len(measures) + 1))
            services.item_complete_measure(measure=measure, actor=handler)
        if self.rng.random() < 0.25:
            self._later(30, 60 * 24)
            services.item_note(item=item, actor=handler, text="已与诉求人电话沟通，告知办理进展。")
        self._step(end)
        kind, text = t.result
        amount = None
        if kind == ResultKind.FUNDS_GRANTED:
            amount = Decimal(self.rng.choice([5, 10, 20, 30, 50, 80, 100, 200, 300, 500])) * 10000
            text = f"{text}，金额{amount / 10000:.0f}万元"
        return services.item_resolve(item=item, actor=handler, result_kind=kind, result_text=text, amount=amount)

    def _callback(self, item: Item, calltaker, satisfaction: str) -> Item:
        self._step(item.resolved_at + dt.timedelta(hours=self.rng.uniform(2, 30)))
        return services.item_callback(
            item=item,
            actor=calltaker,
            satisfaction=satisfaction,
            solved=satisfaction != Satisfaction.UNSATISFIED,
            note=CALLBACK_NOTES[satisfaction],
        )

    def _in_progress(self, plan: Plan, item: Item, handler, calltaker, division: Division, measures: list) -> None:
        rng = self.rng
        if measures and rng.random() < 0.5:
            self._later(60, 60 * 24)
            services.item_complete_measure(measure=measures[0], actor=handler)
        if plan.variant == "on_track" and rng.random() < 0.25:  # waiting for a leader's decision
            item.refresh_from_db()
            self._later(60, 60 * 6)
            until = timezone.localtime(item.resolve_due).date() + dt.timedelta(days=rng.randint(5, 10))
            services.item_request_extension(
                item=item, actor=handler, until=until, reason="需等待施工窗口期，申请延长办理期限。"
            )
        if plan.variant in ("overdue", "extended"):
            item.refresh_from_db()
            self._step(item.resolve_due - dt.timedelta(hours=rng.uniform(6, 30)))
            today = timezone.localdate()
            base = max(today, timezone.localtime(item.resolve_due).date())
            if plan.variant == "extended":  # the new deadline lies ahead: on track again
                until = timezone.localdate(self.now) + dt.timedelta(days=rng.randint(4, 15))
                until = max(until, base + dt.timedelta(days=3))
            else:
                until = base + dt.timedelta(days=rng.randint(5, 10))
            item = services.item_request_extension(
                item=item, actor=handler, until=until, reason="涉及多部门协调，需延长办理期限。"
            )
            self._later(60, 60 * 20)
            decider = self._leader(division) if rng.random() < 0.5 else calltaker
            approve = plan.variant == "extended"
            item = services.item_decide_extension(
                item=item, actor=decider, approve=approve, reason="" if approve else "请按原期限办结。"
            )
        if plan.variant == "overdue":
            item.refresh_from_db()
            self._step(item.resolve_due + dt.timedelta(hours=rng.uniform(4, 48)))
            item = services.item_urge(item=item, actor=calltaker, reason="事项已超期，请加快办理并反馈进展。")
            if rng.random() < 0.6:
                self._later(60 * 12, 60 * 24 * 4)
                services.item_supervise(
                    item=item, actor=self._overseer(division), reason="列入督办，请三个工作日内报送办理情况。"
                )
