"""The contract's codes in the order the generator draws them (an index into each
tuple is what the numpy arrays hold), and the member slots of a household."""

from __future__ import annotations

import numpy as np

from neisheng.engine.schema import LEDGER_ITEMS

STATUS = ("general", "lifted", "monitored")
GENERAL, LIFTED, MONITORED = 0, 1, 2
CATEGORY = ("ordinary", "dibao", "tekun")
HOUSING = ("safe", "c_class", "d_class")
WATER = ("safe", "unsafe")
CAUSES = (
    "illness", "disability", "schooling", "disaster", "no_land", "no_water",
    "no_skill", "no_labor", "no_capital", "transport", "low_motivation", "other",
)
C_ILLNESS, C_DISABILITY, C_SCHOOLING, C_DISASTER = 0, 1, 2, 3
C_NO_SKILL, C_NO_LABOR, C_LOW_MOTIVATION = 6, 7, 10
# Shares among lifted/monitored households. Illness leads as in the research
# (37.62% of poor households); the rest follow the usual 建档立卡 ordering.
CAUSE_P = np.array([0.37, 0.13, 0.08, 0.03, 0.02, 0.01, 0.11, 0.08, 0.07, 0.04, 0.03, 0.03])
EVENTS = ("none", "illness", "disaster", "accident", "unemployment", "other")
E_NONE, E_ILLNESS, E_DISASTER, E_ACCIDENT, E_UNEMPLOYMENT, E_OTHER = range(6)
RELATION = ("head", "spouse", "child", "parent", "grandchild", "other")
R_HEAD, R_SPOUSE, R_CHILD, R_PARENT, R_GRANDCHILD, R_OTHER = range(6)
SEX = ("male", "female")
EDUCATION = ("none", "primary", "junior", "vocational", "senior", "college")  # low -> high
ED_NONE, ED_PRIMARY, ED_JUNIOR, ED_VOCATIONAL, ED_SENIOR, ED_COLLEGE = range(6)
SCHOOLING = (
    "not_in_school", "preschool", "primary", "junior", "senior",
    "secondary_vocational", "higher_vocational", "undergraduate_plus",
)
S_NOT, S_PRE, S_PRIMARY, S_JUNIOR, S_SENIOR, S_SECVOC, S_HIGHVOC, S_UNDERGRAD = range(8)
LABOR = ("skilled", "ordinary", "weak", "lost", "none")
L_SKILLED, L_ORDINARY, L_WEAK, L_LOST, L_NONE = range(5)
HEALTH = ("healthy", "chronic", "serious", "disabled")
H_HEALTHY, H_CHRONIC, H_SERIOUS, H_DISABLED = range(4)
SOURCES = ("survey", "civil_affairs", "hrss", "disabled_fed", "agriculture",
           "medical_insurance", "education")
SRC = {s: i for i, s in enumerate(SOURCES)}
ITEMS = tuple(LEDGER_ITEMS)
ITEM = {code: i for i, code in enumerate(ITEMS)}

# Household member slots, in the order a 户口簿 lists them.
S_HEAD, S_SPOUSE = 0, 1
S_CHILD = slice(2, 6)
S_OTHER = 6  # daughter-in-law (儿媳), recorded as 其他
S_GRAND = slice(7, 10)
S_PARENT = slice(10, 12)
N_SLOTS = 12
SLOT_RELATION = np.array([R_HEAD, R_SPOUSE] + [R_CHILD] * 4 + [R_OTHER] + [R_GRANDCHILD] * 3
                         + [R_PARENT] * 2, dtype=np.int8)
# When a drawn household exceeds 7 members, the least central members go first.
KEEP_PRIORITY = np.array([0, 1, 2, 3, 4, 5, 10, 11, 6, 7, 8, 9])
MAX_SIZE = 7
