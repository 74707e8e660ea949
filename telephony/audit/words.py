"""The audit's word lists: data, not code.

Each list is the default of one `AuditRules` field; the lead's typed settings
can replace any of them. Phrases are matched as substrings of the transcript
after light normalisation (traditional → simplified for the characters these
lists use, whitespace dropped; see `text.py`), so a short entry such as 感谢
also covers 感谢您的来电. Only company / office NAMES are matched by
pronunciation (names are what ASR mishears: 和美 → 何美); ordinary words are
matched by characters, because by sound they collide with everyday speech
(回电 huí diàn = 会点).

Sources: shared/domain.md and the seeds it cites (000 §4.1, JLL A–I,
001 §五, 004), plus the variants an ASR engine writes for them.
"""
from __future__ import annotations

# Greeting (000 §4.1.1, §2.1, 001 §五.1③, 004): 您好 is the standard word.
GREETING_WORDS: tuple[str, ...] = ("您好",)
# Accepted in its place because an ASR engine hears 您好 (nín hǎo) as 你好 (nǐ hǎo)
# on a phone line; 您早 is in 001's list of polite words.
GREETING_MISHEARINGS: tuple[str, ...] = ("你好", "您早")

# Parts of a name that say nothing about WHICH company: stripped from the ends
# of `company_names` / `office_names` before matching, so that 和美物业 is
# matched on 和美 (and the one-syllable slack never lets 华美物业 pass for it).
GENERIC_NAME_PARTS: tuple[str, ...] = (
    "物业服务有限公司", "物业管理有限公司", "物业服务中心", "物业管理中心", "物业管理处",
    "物业公司", "物业", "客服中心", "服务中心", "管理中心", "管理处", "有限公司", "公司",
)

# Close (000 JLL I: 询问客人有否其它需要, 并向客人的来电做出致谢; 000 §4.1.5).
CLOSING_ANYTHING_ELSE: tuple[str, ...] = (
    "还有什么", "还有其他", "还有其它", "还有别的", "还有需要", "还需要什么",
    "其他需要", "其它需要", "别的需要", "其他问题", "其它问题", "别的问题",
    "其他事", "其它事", "别的事", "其他可以帮", "别的可以帮", "其他要帮", "别的要帮",
)
CLOSING_THANKS: tuple[str, ...] = (
    "谢谢", "感谢", "多谢", "感谢您的来电", "感谢来电", "谢谢您的来电",
)

# Offer to call back (JLL D: 如不能于20秒内为客人办妥事情, 应提议稍后再覆电给客人;
# 000 §4.1.4: 请客户留下电话号码, 之后再与客户联系). 覆电/复电 are the seed's words.
CALLBACK_WORDS: tuple[str, ...] = (
    "回电", "回电话", "回个电话", "给您回电", "给您回电话", "稍后回电", "回您电话", "回复您", "回拨", "覆电", "复电",
    "给您打过去", "给您打回去", "打给您", "再打给您", "联系您", "跟您联系", "与您联系", "和您联系",
    "给您答复", "给您回复",
    # 你 for 您: agents say it, and ASR hears 您 (nín) as 你 (nǐ).
    "给你回电", "给你回电话", "回你电话", "给你打过去", "跟你联系", "联系你", "回复你", "给你答复", "给你回复",
)

# Telling the caller before putting them on hold (JLL D); reported, and required
# only when `hold_require_announcement` is set.
HOLD_ANNOUNCEMENT_WORDS: tuple[str, ...] = (
    "稍等", "稍候", "等一下", "等一等", "等一会", "不要挂", "别挂", "查询一下", "查一下", "帮您查", "为您查",
)

# Telling the caller where they are being transferred (JLL G: 在转拨前, 应先礼貌地告知客人).
TRANSFER_WORDS: tuple[str, ...] = (
    "为您转接", "帮您转接", "给您转接", "转接", "帮您转到", "给您转到", "转到", "转给",
    "转过去", "转拨", "转至", "帮您接通", "为您接通", "给您接通",
    "为你转接", "帮你转接", "给你转接", "帮你转到", "给你转到", "帮你接通", "给你接通",
)

# Sensitive data an agent must not ask for (000 §2.4: 不应直接询问敏感信息, 如社保号码或银行账号;
# ID numbers; passwords and SMS codes are what fraudsters ask for).
PRIVACY_WORDS: tuple[str, ...] = (
    "身份证", "身份证号", "证件号", "护照号",
    "社保", "社保号", "社保卡", "社会保障", "社会保障号",
    "银行卡", "银行卡号", "银行账号", "银行帐号", "银行账户", "银行帐户", "信用卡", "卡号",
    "密码", "验证码",
)
# Phrases in which a privacy word is harmless: bringing an ID in person, or
# property cards that the office itself issues.
PRIVACY_BENIGN: tuple[str, ...] = (
    "带身份证", "带上身份证", "带好身份证", "携带身份证", "持身份证", "凭身份证",
    "门禁卡号", "门禁密码", "停车卡号", "车位卡号", "水卡卡号", "电卡卡号", "燃气卡号",
)
# A privacy word shortly after one of these (same clause) is not a request:
# 我们不会向您索要身份证号.
PRIVACY_NEGATIONS: tuple[str, ...] = (
    "不需要", "无需", "不用", "不必", "不要", "请勿", "切勿", "千万别", "别告诉", "别透露",
    "别把", "不会", "不能", "不可以", "没必要", "不得", "禁止", "从不", "从来不",
)
# … unless a new request starts in between: 不用担心请告诉我您的身份证号.
PRIVACY_REQUEST_MARKERS: tuple[str, ...] = (
    "请", "告诉我", "报一下", "说一下", "念一下", "发给我", "麻烦",
)
