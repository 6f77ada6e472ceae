"""A Taobao order report and item report of N orders, as the seller centre writes them (GBK, ids as ="…"),
with the package mapping's column names: what `bench/run.py` imports to measure the importer's memory.

    python bench/taobao_export.py 100000 /tmp/export   # writes orders.csv and items.csv there
"""
from __future__ import annotations

import csv
import sys
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

MAPPING = tomllib.loads((Path(__file__).resolve().parent.parent / "ledger" / "taobao-mapping.toml")
                        .read_text(encoding="utf-8"))
SKUS = [("TEE-M-BLK", "89.00"), ("TEE-L-WHT", "79.00"), ("HOOD-M-GRY", "199.00"), ("SOCK-W", "12.00")]
START = datetime(2026, 11, 1, 9, 0)


def write(folder: Path, orders: int) -> tuple[Path, Path]:
    """Every order paid, dispatched the same day and received (交易成功), of one or two SKUs."""
    columns = MAPPING["orders"]
    names = ["order_id", "buyer", "shipping_fee", "address", "phone", "paid_at", "status", "carrier",
             "tracking_no", "buyer_message", "shipped_at", "received_at"]
    order_path, item_path = folder / "orders.csv", folder / "items.csv"
    with order_path.open("w", encoding="gbk", newline="") as order_file, \
            item_path.open("w", encoding="gbk", newline="") as item_file:
        order_rows, item_rows = csv.writer(order_file), csv.writer(item_file)
        order_rows.writerow([columns[name] for name in names])
        item_rows.writerow([MAPPING["items"][name] for name in ("order_id", "sku", "unit_price", "quantity")])
        for n in range(orders):
            number, paid = f"32870{n:014d}", START + timedelta(seconds=7 * n)
            order_rows.writerow([
                f'="{number}"', f"tb_buyer{n % 40_000}", "0.00", f"浙江省 杭州市 西湖区 文三路{n % 999 + 1}号",
                f"138****{n % 10_000:04d}", f"{paid:%Y-%m-%d %H:%M:%S}", "交易成功", "圆通速递",
                f'="YT{n:010d}"', "请尽快发货" if n % 7 == 0 else "", f"{paid + timedelta(hours=3):%Y-%m-%d %H:%M:%S}",
                f"{paid + timedelta(days=2):%Y-%m-%d %H:%M:%S}"])
            for sku, price in SKUS[n % 4: n % 4 + 1 + n % 2]:
                item_rows.writerow([f'="{number}"', sku, price, str(1 + n % 3)])
    return order_path, item_path


if __name__ == "__main__":
    print(*write(Path(sys.argv[2]), int(sys.argv[1])))
