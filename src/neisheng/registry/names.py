"""The keys a person is searched by besides the full name: the given name (名), so that "伟"
finds 张伟 and 李伟, and the last characters of the ID number, reversed, so that a search
by the last 4–6 digits is a prefix match an ordinary index serves.

Both are derived from the name and the number and written wherever a person is written
(Person.save, the bulk services, the snapshot loader), never typed by anyone."""

from __future__ import annotations

# 复姓: two-character surnames. Without them 欧阳修's given name would read 阳修, and a
# search for 修 would miss him. The list is the common ones of the 百家姓 and of today's
# registries; a rarer compound surname splits after one character, which still finds
# the person by their full name.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "司徒", "令狐", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟",
    "澹台", "公冶", "太史", "申屠", "钟离", "闻人", "赫连", "濮阳", "淳于", "单于", "太叔",
    "仲孙", "东郭", "第五", "拓跋", "司空", "亓官", "司寇", "子车", "颛孙", "壤驷", "公良",
    "漆雕", "乐正", "宰父", "谷梁", "段干", "公西", "巫马", "梁丘", "左丘", "东门", "微生",
    "羊舌", "公羊", "鲜于", "闾丘", "即墨",
})
# Names of Uyghur, Kazakh and other traditions are written "personal name·father's name"
# (买买提·艾力): the part before the separator is the one people are called by.
NAME_SEPARATORS = ("·", "•", "・", "‧")

ID_SUFFIX_LENGTH = 6


def given_name(name: str | None) -> str:
    """The given name in a Chinese full name: after the surname (one character, or two
    for a compound surname), or the personal name before "·"; "" when there is none
    (a one-character name, an empty one)."""
    name = (name or "").strip()
    for separator in NAME_SEPARATORS:
        if separator in name:
            return name.split(separator, 1)[0].strip()
    if len(name) <= 1:
        return ""
    surname_length = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[surname_length:]


def id_suffix_reversed(person_id: str | None) -> str:
    """The last six characters of an ID number, reversed and upper-case (a final x is X):
    the last digits typed as a search are then a prefix of this column."""
    return (person_id or "").strip().upper()[-ID_SUFFIX_LENGTH:][::-1]


def search_keys(name: str | None, person_id: str | None) -> dict[str, str]:
    """The derived columns of a person with this name and ID number."""
    return {"given_name": given_name(name), "id_suffix_reversed": id_suffix_reversed(person_id)}
