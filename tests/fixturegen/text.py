"""Section texts: headings as real publishers vary them, body paragraphs from a phrase bank."""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.fixturegen.model import Section

HEADING_VARIANTS: dict[int, tuple[str, ...]] = {
    1: ("一、总体情况", "一、 总体情况"),
    2: ("二、主动公开政府信息情况",),
    3: ("三、收到和处理政府信息公开申请情况",),
    4: (
        "四、政府信息公开行政复议、行政诉讼情况",
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
    ),
    5: (
        "五、存在的主要问题及改进情况",
        "五、政府信息公开工作存在的主要问题及改进情况",
        "五、存在问题及改进情况",
    ),
    6: ("六、其他需要报告的事项",),
}

# Names with 珺 and 镕: in GBK but not in GB2312, so a page declared gb2312 must be decoded as GBK.
GBK_NAMES = "本报告由政务公开科王珺、李镕负责统计汇总。"

PRE2019_HEADINGS: dict[int, str] = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、依申请公开政府信息情况",
    4: "四、因政府信息公开申请行政复议、提起行政诉讼的情况",
    5: "五、政府信息公开工作存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}

_WORK = (
    "坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》",
    "紧紧围绕中心工作和社会关切，着力推动行政权力全过程公开、公共服务全流程公开",
    "持续做好信息发布、解读回应、政民互动和平台建设，切实提升政务公开质量",
    "严格执行政府信息公开保密审查制度，做到先审查、后公开，一事一审、全面审查",
    "按照“谁起草谁解读”原则，做好政策文件与解读材料同步组织、同步审签、同步部署",
    "加强政府网站和政务新媒体建设，及时更新栏目内容，保障平台安全平稳运行",
    "规范依申请公开办理流程，严格按照法定时限答复，切实满足群众个性化信息需求",
    "组织开展政务公开业务培训，进一步提升工作人员的业务能力和服务水平",
)
_SUBHEADS = (
    "（一）主动公开情况",
    "（二）依申请公开情况",
    "（三）政府信息管理情况",
    "（四）平台建设情况",
    "（五）监督保障情况",
)
_PROBLEMS = (
    "一是政策解读形式还不够丰富，图表、视频等解读方式运用较少",
    "二是部分栏目信息更新还不够及时，公开内容的系统性有待加强",
    "三是工作人员业务能力与新形势新要求相比仍有差距",
)
_FIXES = (
    "下一步，将进一步丰富解读形式，提高解读质量，增强政策解读的针对性和实效性",
    "加强栏目日常维护，建立信息更新提醒机制，确保信息发布及时准确",
    "加大业务培训力度，不断提高政务公开工作水平",
)


@dataclass(frozen=True)
class TextOptions:
    headings: dict[int, str]
    paragraphs_per_subhead: int = 1
    subheads: int = 3
    table_notes: bool = False  # print "单位：件" before the count tables
    extra_names: str = ""  # a sentence dropped into section 6 (e.g. a name outside GB2312)


def pick_headings(variant: int) -> dict[int, str]:
    return {no: v[variant % len(v)] for no, v in HEADING_VARIANTS.items()}


def _sentence(rng: random.Random, pool: tuple[str, ...]) -> str:
    return rng.choice(pool)


def _two(rng: random.Random) -> str:
    return "，".join(rng.sample(_WORK, 2))


def preamble(agency: str, year: int, headings: dict[int, str]) -> str:
    names = "、".join(h.split("、", 1)[1].strip() for _, h in sorted(headings.items()))
    return (
        f"本报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。报告全文由{names}等部分组成。"
        f"报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"
        f"本报告电子版可在本级政府门户网站下载。"
    )


def body_sections(agency: str, year: int, title: str, seed: int, opts: TextOptions) -> tuple[Section, ...]:
    """Sections 0..6 of a template 2019/2021 report (tables are not part of the text)."""
    rng = random.Random(seed)
    s1: list[str] = [f"{year}年，{agency}{_two(rng)}。"]
    for sub in _SUBHEADS[: opts.subheads]:
        s1.append(sub)
        s1 += [f"{_two(rng)}。" for _ in range(opts.paragraphs_per_subhead)]
    note = ("单位：件",) if opts.table_notes else ()
    s5 = (f"{year}年，{'；'.join(_PROBLEMS)}。", f"{'；'.join(_FIXES)}。")
    s6 = (f"本年度{agency}未收取信息处理费。{opts.extra_names}", f"{year}年度无其他需要报告的事项。")
    return (
        Section(0, None, (title, preamble(agency, year, opts.headings))),
        Section(1, opts.headings[1], tuple(s1)),
        Section(2, opts.headings[2], ()),
        Section(3, opts.headings[3], note),
        Section(4, opts.headings[4], note),
        Section(5, opts.headings[5], s5),
        Section(6, opts.headings[6], s6),
    )


def pre2019_sections(agency: str, year: int, title: str, seed: int) -> tuple[Section, ...]:
    """A free-form pre-2019 report: numbers only in the prose, no standard tables."""
    rng = random.Random(seed)
    n_active, n_requests = rng.randint(200, 900), rng.randint(3, 30)
    h = PRE2019_HEADINGS
    return (
        Section(0, None, (title, f"本年度报告根据《中华人民共和国政府信息公开条例》要求，由{agency}编制。")),
        Section(1, h[1], (f"{year}年，{agency}{_sentence(rng, _WORK)}。", f"{_sentence(rng, _WORK)}。")),
        Section(2, h[2], (f"全年共主动公开政府信息{n_active}条，其中规范性文件{rng.randint(1, 9)}件。",)),
        Section(3, h[3], (f"全年共受理政府信息公开申请{n_requests}件，均已按期答复。",)),
        Section(4, h[4], ("本年度未发生因政府信息公开申请提起行政复议、行政诉讼的情况。",)),
        Section(5, h[5], (f"{_PROBLEMS[0]}。{_FIXES[0]}。",)),
        Section(6, h[6], ("无。",)),
    )
