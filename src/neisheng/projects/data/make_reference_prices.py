"""Writes reference_prices.xlsx, the default reference price list of renovations (双提升)
that ships with the platform for a county that has not imported its own
(`projects.services.prices.price_list_default`). Run it after changing ITEMS:

    .venv/bin/python src/neisheng/projects/data/make_reference_prices.py

The prices are those of a mountain county in Chongqing around 2020 (labour per 工日 of
8 hours, materials delivered to the village); the maximum quantity is what one rural
house of about 100 m² plausibly needs, so the audit's renovation_quantity flags a line
that could not all have gone into the household's home.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

HEADERS = ("项目编码", "项目名称", "单位", "参考单价", "最大数量")

# (code, name, unit, reference price in yuan, max quantity per household)
ITEMS = [
    ("L01", "泥工", "工日", "220.00", "30"),
    ("L02", "木工", "工日", "230.00", "20"),
    ("L03", "水电工", "工日", "240.00", "15"),
    ("L04", "油漆工", "工日", "200.00", "15"),
    ("L05", "防水工", "工日", "220.00", "8"),
    ("L06", "普工(小工)", "工日", "150.00", "40"),
    ("M01", "水泥(P.O 42.5)", "吨", "520.00", "8"),
    ("M02", "河沙", "立方米", "150.00", "15"),
    ("M03", "碎石", "立方米", "130.00", "10"),
    ("M04", "红砖", "千块", "550.00", "8"),
    ("M05", "地面瓷砖", "平方米", "55.00", "120"),
    ("M06", "墙面瓷砖", "平方米", "50.00", "80"),
    ("M07", "内墙涂料(18升)", "桶", "260.00", "12"),
    ("M08", "外墙涂料(18升)", "桶", "320.00", "10"),
    ("M09", "防水涂料(20千克)", "桶", "280.00", "6"),
    ("M10", "木门(含门套)", "樘", "850.00", "6"),
    ("M11", "防盗门", "樘", "1500.00", "1"),
    ("M12", "铝合金窗", "平方米", "320.00", "20"),
    ("M13", "电线(BV 2.5平方毫米)", "米", "3.20", "400"),
    ("M14", "给水管(PPR)", "米", "12.00", "100"),
    ("M15", "排水管(PVC)", "米", "18.00", "60"),
    ("M16", "开关插座", "个", "15.00", "40"),
    ("M17", "灯具(LED)", "套", "80.00", "12"),
    ("M18", "卫生洁具(蹲便器、洗手盆、淋浴)", "套", "1200.00", "1"),
    ("M19", "厨房改造(灶台、橱柜、水槽)", "套", "3000.00", "1"),
    ("M20", "吊顶(PVC扣板)", "平方米", "45.00", "80"),
    ("M21", "屋面瓦", "平方米", "60.00", "120"),
]

WORKBOOK = Path(__file__).with_name("reference_prices.xlsx")


def workbook_write(path: Path = WORKBOOK) -> Path:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "参考价格"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for code, name, unit, price, most in ITEMS:
        sheet.append([code, name, unit, float(Decimal(price)), int(most) if most.isdigit() else float(most)])
    for letter, width in zip("ABCDE", (10, 34, 8, 12, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    # Fixed document properties, so writing it again gives the same file when ITEMS did
    # not change (the wheel's content does not depend on when it was built).
    import datetime as dt

    fixed = dt.datetime(2020, 1, 1)
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.properties.creator = "neisheng"
    workbook.save(path)
    return path


if __name__ == "__main__":
    print(workbook_write())
