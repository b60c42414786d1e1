"""The thirteen screening rules of feeds.md, on a linked feed and the registry.

`RULES` names every rule (code → Chinese label), in feeds.md's order.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "deceased_alive": "死亡人员仍登记在世",
    "deceased_paid": "死亡后仍领取救助",
    "assistance_category_mismatch": "救助类别与保障类别不符",
    "vehicle_owner": "家庭成员名下有小汽车或货车",
    "company_role": "家庭成员在企业任职或持股",
    "urban_property": "家庭成员有城镇房产",
    "child_not_in_school": "适龄儿童未在学籍名单中",
    "high_school_fees": "自付学费较高",
    "inpatient_self_pay": "住院自付费用较高",
    "outpatient_self_pay": "门诊自付费用较高",
    "uninsured": "未参加基本医疗保险",
    "new_serious_illness": "新确诊大病",
    "disaster_loss": "受灾损失较大",
}
