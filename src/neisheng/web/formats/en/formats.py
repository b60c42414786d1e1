# The same grouping as Chinese pages (see ../zh_Hans/formats.py), stated here so the two
# languages cannot drift apart if Django's English formats change.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DECIMAL_SEPARATOR = "."
