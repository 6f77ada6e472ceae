"""The message catalogue: every text a person reads, in English and in Simplified Chinese, under one key
(SPEC section 16: `LEDGER_LANG=zh`, or a `zh` locale, gives the Chinese). JSON never goes through here: its
keys and values stay the same in every language.

`say(key, **values)` is a sentence; `heading(name)` a column's heading; `shown(key, value)` a value as the
reader's language shows it (in Chinese, the shop's word beside it: `quality 质量问题`).
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Iterator
from typing import Any

EN, ZH = "en", "zh"

TEXTS: dict[str, tuple[str, str]] = {
    # append, add, import
    "stored": ("stored {stored} record(s) and {decisions} decision(s); skipped {skipped} already stored",
               "已存入 {stored} 条记录、{decisions} 条决定；跳过已存的 {skipped} 条"),
    "stored_one": ("stored {type} and {decisions} decision(s)", "已存入 {type}，{decisions} 条决定"),
    "skipped_one": ("skipped: this {type} is already stored", "跳过：这条 {type} 已经存过"),
    "imported": ("stored {stored} record(s) and {decisions} decision(s); skipped {skipped} already stored; "
                 "{unpaid} row(s) not paid yet",
                 "已存入 {stored} 条记录、{decisions} 条决定；跳过已存的 {skipped} 条；{unpaid} 行尚未付款"),
    "would_append": ("{n} record(s) would be appended; nothing was stored", "将存入 {n} 条记录；什么也没有存"),
    "needs_person": ("needs a person: {note}", "需要人工处理：{note}"),
    "person_set_aside": ("{where}: {reason}; the parcel was set aside: record its dispatch by hand",
                         "{where}：{reason}；这个包裹已搁置：请手工记录它的发货"),
    "person_several_tracking": ("{where}: order {order} has several tracking numbers in one cell ({tracking}); "
                                "record each parcel's dispatch by hand",
                                "{where}：订单 {order} 的一个单元格里有几个物流单号（{tracking}）；请逐个手工记录发货"),
    "person_parcel_out": ("{where}: order {order} was closed with parcel {tracking} out; record what became of it "
                          "(ParcelReturnedToSender or ParcelLost)",
                          "{where}：订单 {order} 已关闭，包裹 {tracking} 还在外面；请记录它的去向（退回或丢失）"),
    "person_reason_unknown": ("{where}: refund {number}'s reason {phrase} is not in the mapping's "
                              "[refund_reasons]; taken as no_reason",
                              "{where}：退款 {number} 的原因 {phrase} 不在映射文件的 [refund_reasons] 中；按七天无理由处理"),
    "person_refund_refused": ("{where}: the shop refused refund {number} on the platform; record the case's "
                              "ruling (case {case})", "{where}：店铺在平台上拒绝了退款 {number}；请记录主管裁定（售后单 {case}）"),
    "left_out": ("{n} row(s) left out", "{n} 行未导入"),
    "stock_below": ("stock: {sku} available {available}", "库存：{sku} 可用 {available}"),
    "created": ("created a new store at {url}", "已新建账本：{url}"),
    "not_utf8": ("input is not UTF-8 text: {reason}", "输入不是 UTF-8 文本：{reason}"),
    "no_store": ("no store at {url}", "{url} 没有账本"),
    "unknown_type": ("unknown record type {type}{nearest}", "未知的记录类型 {type}{nearest}"),
    "did_you_mean": ("; did you mean {name}?", "；是不是 {name}？"),
    "the_types": ("; the types are {names}", "；记录类型有 {names}"),
    "add_epilog": ("Record types and their keys (* required; at, actor, role and key for all):",
                   "记录类型及其字段（* 为必填；所有类型都有 at、actor、role 和 key）："),
    "allowed": ("one of", "可选"),
    "line": ("line {n}: {detail}", "第 {n} 行：{detail}"),
    "file_line": ("{file} line {n}", "{file} 第 {n} 行"),
    "row_said": ("{where}: {said}", "{where}：{said}"),
    # a platform report the importer cannot read (ledger/taobao.py), and its column mapping
    "import_not_encoded": ("{file}: cannot be read as {encoding}: {error}", "{file}：不能按 {encoding} 读取：{error}"),
    "import_bom_not_utf8": ("{file}: starts with a UTF-8 byte-order mark but is not UTF-8 text (GBK after it?); "
                            "export it again, or name its encoding with --encoding",
                            "{file}：以 UTF-8 字节顺序标记开头，后面却不是 UTF-8 文本（是 GBK 吗？）；请重新导出，或用 --encoding "
                            "指明编码"),
    "import_no_encoding": ("{file}: neither UTF-8 nor GB18030/GBK text; name it with --encoding",
                           "{file}：既不是 UTF-8 也不是 GB18030/GBK 文本；请用 --encoding 指明编码"),
    "import_column_twice": ("column {column} appears twice in the header", "表头中列 {column} 出现了两次"),
    "import_swapped": ("this looks like the other report (it has {column}): give the order report first, then the "
                       "item report", "这像是另一份报表（它有 {column} 列）：请先给订单报表，再给宝贝报表"),
    "import_no_column": ("no column {column} in the header (see --mapping)", "表头中没有列 {column}（见 --mapping）"),
    "import_not_csv": ("cannot be read as CSV: {error}", "不能按 CSV 读取：{error}"),
    "import_not_money": ("{what}: not an amount of money with at most two decimals: {text}",
                         "{what}：不是最多两位小数的金额：{text}"),
    "import_not_time": ("{what}: not a time such as 2026-11-02 10:15:00: {text}",
                        "{what}：不是 2026-11-02 10:15:00 这样的时间：{text}"),
    "import_item_left_out": ("order {order}: its item row {item} was left out", "订单 {order}：它的宝贝行 {item} 未导入"),
    "import_mangled": ("{column} {text} was turned into a number by a spreadsheet and lost its digits: export the "
                       "report again, or open it with that column as text",
                       "{column} {text} 被电子表格变成了数字，丢了位数：请重新导出报表，或把这一列按文本打开"),
    "import_no_sku": ("no SKU ({column})", "没有商家编码（{column}）"),
    "import_not_whole": ("quantity ({column}): not a whole number: {text}", "数量（{column}）：不是整数：{text}"),
    "import_order_status": ("unknown order status {status}", "未知的订单状态 {status}"),
    "import_no_items": ("order {order} has no items in the item report", "订单 {order} 在宝贝报表中没有商品"),
    "import_no_buyer": ("no buyer ({column})", "没有买家（{column}）"),
    "import_no_tracking": ("order {order} is {status} but has no tracking number ({column})",
                           "订单 {order} 是“{status}”，却没有物流单号（{column}）"),
    "import_refund_status": ("unknown refund status {status}", "未知的退款状态 {status}"),
    "import_order_first": ("order {order} is not in the ledger: import its order report first",
                           "账本中没有订单 {order}：请先导入它的订单报表"),
    "import_no_line": ("order {order} has no line of {sku} ({column})", "订单 {order} 没有 {sku} 的商品行（{column}）"),
    "import_yes_no": ("{column}: 是 or 否, got {text}", "{column}：应为 是 或 否，却是 {text}"),
    "mapping_too_deep": ("{file}: nested too deep to be a column mapping", "{file}：嵌套太深，不是列映射文件"),
    "mapping_no_reasons": ("{file}: no [refund_reasons] table of the platform's phrases",
                           "{file}：没有平台退款原因的 [refund_reasons] 表"),
    "mapping_no_table": ("{file}: no [{table}] table of column names", "{file}：没有列名的 [{table}] 表"),
    "mapping_not_text": ("{file}: [{table}] {name} must name a column, as a string",
                         "{file}：[{table}] {name} 必须是列名（字符串）"),
    "mapping_unnamed": ("{file}: [{table}] names no column for {name}", "{file}：[{table}] 没有给 {name} 指定列"),
    "voided_skipped": ("; {voided} of them voided", "，其中 {voided} 条已作废"),
    # corrections (section 13)
    "key_differs": ("key {name} is stored with other values: {fields}; to correct it, void record {position} "
                    "or use AddressChanged",
                    "键 {name} 已存有不同的值：{fields}；要更正，请作废第 {position} 条记录或使用 AddressChanged"),
    "void_unknown": ("no stored record has key {name}", "没有键为 {name} 的记录"),
    "void_not_voidable": ("record {position} ({type}) cannot be voided", "第 {position} 条记录（{type}）不能作废"),
    "void_again": ("record {position} ({type}) is already voided", "第 {position} 条记录（{type}）已经作废"),
    "void_rests_on": ("record {position} ({type}) rests on it; void that first",
                      "第 {position} 条记录（{type}）依赖于它；请先作废那一条"),
    "voided": ("voided record {position} ({type}); {withdrawn} decision(s) withdrawn, {stored} stored in their place",
               "已作废第 {position} 条记录（{type}）；撤回 {withdrawn} 条决定，另存 {stored} 条"),
    "void_which": ("name the record to void: its POSITION or --key KEY, not both", "请指明要作废的记录：位置或 --key，只选其一"),
    "void_no_record": ("no record at position {position}", "第 {position} 位没有记录"),
    "refused": ("{rule}: {reason}", "{rule}（{text}）：{reason}"),
    "stale_views": ("the views were built by an earlier version of ledger: run `ledger replay` to rebuild them (the "
                    "next append does too)", "视图是旧版本建的：运行 `ledger replay` 重建（下次追加记录时也会重建）"),
    # staff accounts
    "sign_in_failed": ("sign-in failed: unknown name, wrong password or revoked token",
                       "登录失败：用户名、密码或令牌不对"),
    "sign_in_needed": ("this store has staff accounts: sign in to append (ledger --as NAME, with LEDGER_PASSWORD "
                       "or on a terminal; or LEDGER_TOKEN)", "此账本设有员工账号：请登录后录入（ledger --as 用户名，"
                       "配合 LEDGER_PASSWORD 或在终端输入密码；或 LEDGER_TOKEN）"),
    "password_needed": ("no terminal to ask the password on: set LEDGER_PASSWORD (or use LEDGER_TOKEN)",
                        "没有终端可输入密码：请设置 LEDGER_PASSWORD（或使用 LEDGER_TOKEN）"),
    "password_for": ("password for {name}: ", "{name} 的密码："),
    "password_stdin": ("no terminal to ask the password on: give it on standard input with --password-stdin",
                       "没有终端可输入密码：请用 --password-stdin 从标准输入提供"),
    "new_password": ("new password: ", "新密码："),
    "password_again": ("the same again: ", "再输入一次："),
    "password_short": ("a password has at least {n} characters", "密码至少 {n} 个字符"),
    "passwords_differ": ("the two passwords differ; nothing was changed", "两次密码不一致；没有修改"),
    "enrolled": ("enrolled {name} as {role}", "已开通账号 {name}（{role}）"),
    "role_changed": ("{name} is now {role}", "{name} 现在是{role}"),
    "left_staff": ("{name} has left: the account can no longer sign in", "{name} 已离职：账号不能再登录"),
    "password_set": ("set a new password for {name}", "已为 {name} 设置新密码"),
    "token_made": ("token {id} for {name}; it is shown once, on the next line:",
                   "已为 {name} 生成令牌 {id}；只显示这一次，在下一行："),
    "token_revoked": ("revoked token {id}", "已吊销令牌 {id}"),
    "no_token": ("no token {id}", "没有令牌 {id}"),
    # the desk (section 15)
    "serve_no_accounts": ("the desk needs staff accounts: enrol the supervisor first (ledger staff enrol NAME "
                          "--role supervisor)", "工作台需要员工账号：请先开通主管账号（ledger staff enrol 用户名 "
                          "--role supervisor）"),
    "serving": ("the desk is at http://{host}:{port}/ (Ctrl+C stops it)", "工作台地址：http://{host}:{port}/（Ctrl+C 停止）"),
    "serve_failed": ("the desk could not listen on {host}:{port}", "工作台无法在 {host}:{port} 上监听"),
    "desk_title": ("Shop desk", "店铺工作台"),
    "nav_due": ("To do", "待办"), "nav_find": ("Find", "查找"), "nav_new": ("New record", "录入"),
    "nav_stock": ("Stock", "库存"), "nav_liability": ("Shipping and refunds", "运费与退款"),
    "nav_sla": ("Late", "超时"), "nav_kpi": ("Performance", "业绩"), "nav_fund": ("Growth fund", "成长基金"),
    "nav_report": ("Report", "报告"), "other_language": ("中文", "English"),
    "sign_in": ("Sign in", "登录"), "sign_out": ("Sign out", "退出"), "password": ("Password", "密码"),
    "signed_in_as": ("{name}, {role}", "{name}（{role}）"),
    "held": ("too many failed sign-ins for this name: try again in 15 minutes",
             "该账号登录失败次数过多：请 15 分钟后再试"),
    "csrf_refused": ("this form has expired or did not come from this desk: reload the page and submit again",
                     "表单已过期或不是本工作台的表单：请刷新页面后重新提交"),
    "session_ended": ("your session has ended: sign in again", "登录已失效：请重新登录"),
    "forbidden": ("{type} is the supervisor's to record, not a {role}'s (AU-1)",
                  "{type} 只能由主管录入，{role}不能录入（AU-1）"),
    "not_found": ("nothing here is called {id}", "没有 {id}"),
    "no_form": ("there is no form for {type}", "没有 {type} 的表单"),
    "due_none": ("nothing is due", "没有待办事项"),
    "due_all": ("everyone's", "全部"), "due_mine": ("mine", "我的"),
    "due_more": ("{n} more, due later", "还有 {n} 项，期限较晚"), "due_show_all": ("show them all", "全部显示"),
    "do_it": ("record it", "去录入"),
    "find_hint": ("an id, a tracking number, a staff name", "编号、运单号或员工名"),
    "forms_head": ("Record what happened", "录入"),
    "form_for": ("New {type}", "录入{type}"),
    "store_it": ("Store", "存入"),
    "proposed": ("the next id in the shop's pattern; type another to keep it",
                 "按店铺编号规则的下一个编号；可改为其他编号"),
    "lines_hint": ("SKU:QUANTITY[:PRICE], separated by commas", "SKU:数量[:单价]，用逗号分隔"),
    "at_hint": ("local time in {zone}; empty is now", "{zone} 当地时间；留空为现在"),
    "find_case": ("Find the case", "查找售后单"),
    "cases_found": ("the parcel's cases: {cases}", "这个包裹的售后单：{cases}"),
    "no_case_found": ("no case has a parcel numbered {text}", "没有运单号为 {text} 的售后单"),
    "nothing_stored": ("nothing was stored", "什么也没有存"),
    "personal_hidden": ("personal: on the order's page", "个人信息：见订单页"),
    "download_csv": ("Download CSV", "下载 CSV"),
    "rows_shown": ("{n} row(s)", "共 {n} 行"),
    "history_head": ("History", "历史"),
    "explain_head": ("Decisions and what they rest on", "决定及其依据"),
    "rests_on_short": ("rests on", "依据"),
    "policy_version": ("policy {version}", "规则版本 {version}"),
    "api_unauthorized": ("no token or a bad one: send Authorization: Bearer TOKEN (ledger staff token NAME)",
                         "没有令牌或令牌不对：请发送 Authorization: Bearer 令牌（ledger staff token 用户名）"),
    "api_empty": ("no record in the request", "请求中没有记录"),
    "api_head": ("The JSON API", "JSON 接口"),
    "api_note": ("For scripts: send Authorization: Bearer TOKEN (ledger staff token NAME); each view answers the "
                 "JSON of its command.", "供脚本使用：发送 Authorization: Bearer 令牌（ledger staff token 用户名）；"
                 "每个视图返回对应命令的 JSON。"),
    "api_method": ("method", "方法"), "api_path": ("path", "路径"), "api_statuses": ("statuses", "状态码"),
    "no_account": ("no account {name}", "没有账号 {name}"),
    "not_yours": ("AU-1: only {name} themself or a supervisor may do that", "AU-1：只有 {name} 本人或主管可以这样做"),
    "accounts": ("{n} account(s)", "{n} 个账号"),
    "type_again": ("type the customer id again to erase their data for good: ", "再输入一次客户编号以永久删除其信息："),
    "not_confirmed": ("not the same customer id; nothing was erased", "客户编号不一致；没有删除"),
    # history, explain
    "unknown_id": ("unknown id {id}", "未知的编号 {id}"),
    "not_explained": ("{id} is a {kind}; explain takes an order, case, dispute, complaint or staff member",
                      "{id} 是{kind}；explain 只解释订单、售后单、评价纠纷、投诉或员工"),
    "history_of": ("History of {kind} {id}: {n} event(s)", "{kind} {id} 的历史：{n} 条事件"),
    "decisions_on": ("Decisions on {kind} {id}", "{kind} {id} 的决定"),
    "no_decisions": ("no decisions yet", "还没有决定"),
    "decision_head": ("#{position} {type}: rule {rule} ({text}), policy {policy}",
                      "#{position} {type}：规则 {rule}（{text}），制度版本 {policy}"),
    "rests_on": ("rests on:", "依据："),
    "entered_late": ("(entered {at}: AU-4, it counts from then)", "（{at} 才录入：按 AU-4 从录入时起算）"),
    "paid_by": ("paid by:", "已退款："),
    # the report page (section 12)
    "page_title": ("Shop report", "店铺经营报告"),
    "page_as_of": ("as of {at}", "截至 {at}"),
    "page_summary": ("Today", "今日概况"),
    "page_orders": ("orders", "订单"),
    "page_sales": ("sales", "销售额"),
    "page_due_today": ("due today", "今日待发"),
    "page_late": ("late", "已超时"),
    "page_refunds_owed": ("refunds owed", "待退款"),
    "page_shop_postage": ("shop's postage", "店铺承担运费"),
    "page_summary_note": ("Due today: still to do by midnight and not late yet; late: still to do past its "
                          "deadline (`ledger due`).", "今日待发：今天午夜前要做、尚未超时的事；已超时：过了期限仍未做的事（ledger due）。"),
    "page_liability": ("Postage and refunds owed", "运费与退款"),
    "page_cases": ("Accepted cases ({n})", "已受理售后单（{n}）"),
    "page_other_cases": ("The other {n} cases, closed and older: their figures", "其余 {n} 个售后单（已结、较早）的金额"),
    "page_orders_lost": ("Orders that did not reach their buyer ({n})", "未送达买家的订单（{n}）"),
    "page_sla": ("Deadlines missed", "超时"),
    "page_open_breaches": ("Still open ({n})", "仍未完成（{n}）"),
    "page_stock": ("Low stock ({n})", "低库存（{n}）"),
    "page_kpi": ("Performance by {by}", "业绩（按{by}）"),
    "page_by_day": ("day", "日"), "page_by_week": ("week", "周"), "page_by_month": ("month", "月"),
    "page_chart_sales": ("Sales", "销售额"), "page_chart_orders": ("Orders", "订单数"),
    "page_chart_same_day": ("Same-day dispatch", "当日发货率"), "page_chart_satisfaction": ("Satisfaction", "满意度"),
    "page_unit_cny": ("CNY", "元"), "page_unit_orders": ("orders", "单"), "page_unit_share": ("%", "%"),
    "page_staff": ("Complaints, penalties and the growth fund", "投诉、罚款与成长基金"),
    "page_fund_balance": ("Fund balance", "基金余额"),
    "page_timelines": ("Case timelines", "售后时间线"),
    "page_timelines_note": ("Cases open at {at} or with a record in the 31 days before it ({n}); the other {others} "
                            "are in the table above with their figures (`ledger history CASE`).",
                            "截至 {at} 未结或前 31 天内有记录的售后单（{n} 个）；其余 {others} 个见上表（ledger history 单号）。"),
    "page_audit": ("For the auditor", "审计"),
    "page_audit_note": ("The chain's head when this page was written; check that the store still holds this history "
                        "with", "本页生成时哈希链的头；核对账本是否仍是这段历史："),
    "page_fund_kind": ("kind", "类别"), "page_purpose": ("purpose", "用途"), "page_recorded_by": ("recorded by", "录入人"),
    "page_nth": ("no.", "次"), "page_complaint": ("complaint", "投诉单"),
    "page_policy": ("policy", "制度"), "page_data": ("data", "内容"),
    "voided_mark": ("[voided by #{position}]", "[已由 #{position} 作废]"),
    "replaced_by": ("withdrawn; in its place: {positions}", "已撤回；取而代之的是：{positions}"),
    "replaced_by_none": ("withdrawn; nothing in its place", "已撤回；没有取而代之的决定"),
    "decision_cited": ("[{rule}, policy {policy}, caused by #{cause}]", "[{rule}，制度 {policy}，由 #{cause} 引起]"),
    "at_in": ("at ({zone})", "时间（{zone}）"),
    # views
    "stock_tally": ("{n} SKU(s): {low} low, {oversold} oversold", "{n} 个 SKU：{low} 个低库存，{oversold} 个超卖"),
    "cases_head": ("Accepted cases: {n} (every figure of each: --json or --csv)",
                   "已受理的售后单：{n}（各项明细：--json 或 --csv）"),
    "orders_head": ("Orders that did not reach their buyer: {n}", "未送达买家的订单：{n}"),
    "total_cases": ("cases", "售后合计"),
    "total_orders": ("orders", "订单合计"),
    "grand_total": ("Both together: shop {shop_cost}, buyer {buyer_cost}; refunds approved {refund_approved}, "
                    "paid {refunded}, outstanding {refund_outstanding}",
                    "两表合计：店铺承担 {shop_cost}，买家承担 {buyer_cost}；已批准退款 {refund_approved}，"
                    "已退 {refunded}，待退 {refund_outstanding}"),
    "sla_head": ("SLA breaches as of {at}: {n}", "截至 {at} 的超时：{n}"),
    "in_all": ("{n} in all: {each}", "共 {n}：{each}"),
    "to_do": ("{n} to do: {each}", "待办 {n}：{each}"),
    "overdue": ("overdue {span}", "超时 {span}"),
    "kpi_rows": ("{n} row(s), by {by}", "{n} 行，按{by}"),
    "total": ("total", "合计"),
    "fund_head": ("Growth fund: {n} entries", "成长基金：{n} 笔"),
    "balance": ("balance {balance}", "余额 {balance}"),
    "matches": ("{n} match(es) for {text}{more}", "{text} 找到 {n} 项{more}"),
    "matches_more": (" (the first {most}: type more of it to narrow them)", "（只列前 {most} 项：多输入几个字缩小范围）"),
    "found_sent": ("{carrier} {tracking}: parcel to the buyer for order {order}",
                   "{carrier} {tracking}：寄给买家的包裹，订单 {order}"),
    "found_reshipped": ("{carrier} {tracking}: parcel to the buyer for exchange {case}",
                        "{carrier} {tracking}：换货寄出的包裹，售后单 {case}"),
    "found_returned": ("{tracking}: parcel the buyer returned for case {case} ({method})",
                       "{tracking}：买家寄回的包裹，售后单 {case}（{method}）"),
    "found_id": ("{kind} {id}", "{kind} {id}"),
    "found_of": ("{kind} {id} of {parent}", "{parent} 的{kind} {id}"),
    "found_staff": ("staff member {name}", "员工 {name}"),
    "found_buyer": ("order {id} of the platform buyer of that name ({customer})", "该平台买家（{customer}）的订单 {id}"),
    "found_sent_back": ("{tracking}: parcel the buyer sent back for case {case}", "{tracking}：买家寄回途中的包裹，售后单 {case}"),
    "unknown_kind": ("--kind: unknown kind {kind}; the kinds are {kinds}", "--kind：未知的种类 {kind}；可选 {kinds}"),
    "as_of_bad": ("--as-of: {error}", "--as-of：{error}"),
    "date_bad": ("{option}: a local date such as 2026-11-01, got {value}",
                 "{option}：应是本地日期，如 2026-11-01，收到 {value}"),
    # replay, verify, report, backup, forget, demo
    "rebuilt": ("rebuilt the views from {n} event(s)", "已从 {n} 条事件重建视图"),
    "not_replayed": ("{problem}; nothing was replayed (see ledger verify)", "{problem}；没有重放（见 ledger verify）"),
    "what_if_head": ("What would change under policy {version} ({overrides} over the policy in force): "
                     "{n} change(s)", "按制度 {version}（在现行制度上改 {overrides}）会变的：{n} 处"),
    "no_keys": ("no keys", "无改动"),
    "recorded": ("recorded", "记录的"),
    "replayed": ("replayed", "重算的"),
    "verified": ("{n} event(s) verified", "已校验 {n} 条事件"),
    "head": ("head {head}", "链头 {head}"),
    "head_bad": ("--expect-head {head}: {error}", "--expect-head {head}：{error}"),
    "wrote_report": ("wrote the report to {path} ({size:,} bytes)", "报告已写入 {path}（{size:,} 字节）"),
    "cannot_write": ("cannot write {path}: {reason}", "无法写入 {path}：{reason}"),
    "backed_up": ("backed up {n} event(s) to {path}", "已备份 {n} 条事件到 {path}"),
    "unknown_customer": ("unknown customer {id}", "未知的客户 {id}"),
    "already_forgotten": ("customer {id} was already forgotten ({at}, by {actor}); nothing was added",
                          "客户 {id} 已被删除过（{at}，{actor}）；没有再添加"),
    "forgot": ("forgot customer {id}: their address, phone, platform name, notes, reviews and complaints now read "
               "\"[erased]\"", "已删除客户 {id} 的个人信息：地址、电话、平台会员名、备注、评价和投诉内容现在显示为 \"[erased]\""),
    "note": ("note: {note}", "注意：{note}"),
    "backups_hold": ("{n} backup(s) taken before still hold their key; destroy them, or restore each and run this "
                     "forget on it:", "之前的 {n} 份备份仍保存着密钥；请销毁，或逐一恢复后再执行这次删除："),
    "backup_line": ("  {path}  (taken {at}, head {head})", "  {path}  （{at} 备份，链头 {head}）"),
    "demo_exists": ("a store exists at {url}; the demo loads its shop into a new store only (name another with "
                    "--store)", "{url} 已有账本；演示只装入新账本（用 --store 另起一个）"),
    "aborted": ("aborted", "已中止"),
    "see_help": ("{message} (see {command} --help)", "{message}（见 {command} --help）"),
    "error": ("error: {message}", "错误：{message}"),
    # answers (answers.py)
    "on_time": ("on time", "按时"),
    "late": ("{span} late", "晚了 {span}"),
    "due_at": ("due {at}", "应于 {at}"),
    "told": ("SH-2: the buyer was told in time", "SH-2：已及时告知买家"),
    "not_told": ("SH-2: the buyer was not told", "SH-2：未告知买家"),
    "unconfirmed": ("SH-3: address not confirmed", "SH-3：地址未确认"),
    "in_window": ("inside the return window (until {at})", "在退货期内（至 {at}）"),
    "out_window": ("outside the return window, which ended {at}: nothing more to do",
                   "已过退货期（{at} 截止）：无需再处理"),
    "payer_shop": ("the shop pays the postage", "运费由店铺承担"),
    "payer_buyer": ("the buyer pays the postage", "运费由买家承担"),
    "payer_pending": ("who pays waits for the supervisor", "由谁承担运费待主管裁定"),
    "parcel_refused": ("{method} parcels are refused: do not sign for it", "{method}包裹一律拒收：不要签收"),
    "escalated": ("damage by the buyer: the supervisor rules who pays and what is refunded",
                  "买家人为损坏：由主管裁定谁付运费、退多少款"),
    "refund_approved": ("refund of {amount} approved", "已批准退款 {amount}"),
    "reshipped": ("replacement on its way ({tracking})", "换货已发出（{tracking}）"),
    "review_escalated": ("negotiation failed: reported to the supervisor", "协商失败：已上报主管"),
    "penalty": ("{staff}'s upheld complaint no. {nth} of {month}: {amount}",
                "{staff} 在 {month} 第 {nth} 次投诉成立：{amount}"),
    "whole_wage": (" (the rest of the month's wage)", "（当月剩余工资）"),
    "days": ("{n}d", "{n}天"),
    "hours": ("{n}h", "{n}小时"),
    "minutes": ("{n}m", "{n}分"),
    "not_done": ("not done", "未完成"),
    "yes": ("yes", "是"),
    "no": ("no", "否"),
}

# rule ID -> what it says, in a line (explain shows it beside the ID)
RULES: dict[str, tuple[str, str]] = {
    "SH-1": ("ship today's orders today", "当天件当天发"),
    "SH-2": ("a late dispatch is excused only when the buyer was told before the deadline",
             "如有特殊情况必须告诉客服（超时前告知买家）"),
    "SH-3": ("confirm the buyer's address and phone before dispatch", "请顾客核实收货地址及手机号码"),
    "SH-4": ("a tracking number is used once: no parcel sent twice", "避免重发多发（一个运单号只用一次）"),
    "AS-1": ("colour, size or style exchange: the buyer pays both legs", "更换颜色、码数、款式，买方承担双程运费"),
    "AS-2": ("send the replacement soon after the parcel arrives", "货到后要尽快换发，如要延缓，必须事先通知买家"),
    "AS-3": ("quality or wrong item: the shop pays the postage", "质量问题或货不对板，我方承担运费"),
    "AS-4": ("parcels sent by a refused method (freight collect) are refused", "到付件等拒收方式的包裹一律拒签"),
    "AS-6": ("returns within the policy's window", "退换货在有效期内受理，过期不候"),
    "AS-7": ("a replacement carries its tracking number", "换货后要备注发货单号"),
    "RT-1": ("quality confirmed: full refund; damage by the buyer goes to the supervisor",
             "质量问题核实通过后全额退款；人为因素报告主管"),
    "RT-2": ("wrong item confirmed: the shop pays the postage", "货不对板，我方承担运费"),
    "RT-3": ("nothing wrong with the goods: the buyer pays both legs", "商品没任何问题，运费双程自理"),
    "RT-4": ("a colour difference is not a quality fault", "色差问题不属于质量问题"),
    "RT-5": ("no-reason returns inside the window", "无理由退换货（有效期内）"),
    "RV-1": ("contact the buyer of a bad review soon", "尽快与买家协商"),
    "RV-3": ("a negotiation that fails goes to the supervisor in time", "无法与买家协商一致的，及时报告主管"),
    "ST-1": ("stock below the threshold is low", "宝贝数量低于下限为低库存"),
    "ST-2": ("upheld service complaints in a month are fined, doubling, then the rest of the wage",
             "一个自然月内因服务原因被投诉按次罚款，第二次翻倍，再有则扣除当月工资"),
    "ST-3": ("penalties go to the growth fund", "所有罚款存入部门成长基金箱"),
    "OR-1": ("a cancelled order is refunded all the buyer paid", "交易关闭，退还买家所付"),
    "PF-1": ("what the platform paid back is paid, and approved", "平台已退款即视为已退款"),
    "AU-1": ("only the supervisor rules, adopts policy and spends the fund", "重大纠纷问题需申报主管处理"),
    "AU-2": ("every record by a signed-in account", "子账号，责任到人"),
    "AU-3": ("only the supervisor erases a customer's data", "客户信息保护"),
    "AU-4": ("a late excuse counts only from a supervisor", "如实记录"),
    "CP-1": ("answer a complaint in time", "及时响应客户投诉"),
    "CP-2": ("record, rule on and close a complaint in time", "分类、登记、处理、反馈"),
    "CP-3": ("no ruling on a complaint against oneself", "利益冲突"),
    "VO-1": ("a mistake is corrected by a record of its own", "差错更正"),
    "VO-2": ("a changed address is confirmed again", "改地址"),
    "KEY": ("a stored key names one record", "一个键只对应一条记录"),
    "REF": ("a record the ledger cannot take", "账本不能接受的记录"),
}

# a column's heading in text tables (a name not here is shown as it is)
HEADINGS: dict[str, tuple[str, str]] = {
    "sku": ("sku", "SKU"), "on_hand": ("on hand", "在库"), "reserved": ("reserved", "已占用"),
    "available": ("available", "可用"), "low": ("low", "低库存"),
    "case_id": ("case", "售后单"), "order_id": ("order", "订单"), "kind": ("kind", "类型"),
    "reason": ("reason", "原因"), "payer": ("payer", "运费方"), "rule": ("rule", "规则"),
    "shop_cost": ("shop pays", "店铺承担"), "buyer_cost": ("buyer pays", "买家承担"),
    "refund_approved": ("approved", "批准退款"), "refunded": ("refunded", "已退款"),
    "refund_outstanding": ("owed", "待退款"), "cancelled": ("cancelled", "已取消"),
    "returned_postage": ("returned", "退回运费"), "lost_value": ("lost", "丢件货值"),
    "subject": ("subject", "对象"), "due": ("due", "期限"), "done_at": ("done", "完成"),
    "role": ("role", "负责"), "left": ("left", "剩余"), "staff": ("staff", "员工"), "period": ("period", "期间"),
    "orders": ("orders", "订单数"), "sales": ("sales", "销售额"), "aov": ("aov", "客单价"), "refunds": ("refunds", "退款"),
    "cases": ("cases", "售后"), "return_rate": ("returns", "退货率"), "target_sales": ("target sales", "销售目标"),
    "target_orders": ("target orders", "订单目标"), "achieved": ("achieved", "达成"),
    "same_day_rate": ("same day", "当日发货率"), "breaches": ("breaches", "超时"), "satisfaction": ("satisfied", "满意度"),
    "complaints": ("complaints", "投诉"), "upheld": ("upheld", "成立"), "penalties": ("penalties", "罚款"),
    "since": ("since", "开通"), "left_at": ("left", "离职"), "tokens": ("tokens", "令牌"),
    "at": ("at", "时间"), "pos": ("pos", "位置"), "actor": ("actor", "录入人"), "event": ("event", "事件"),
    "month": ("month", "月份"), "amount": ("amount", "金额"), "entry": ("entry", "款项"),
    "outbound_postage": ("outbound", "发货运费"), "return_postage": ("return", "退货运费"),
    "reship_postage": ("reship", "换货运费"), "complaints_upheld": ("upheld", "投诉成立"),
    "shipment_id": ("shipment", "包裹"), "dispute_id": ("dispute", "评价纠纷"), "complaint_id": ("complaint", "投诉"),
    "customer_id": ("customer", "客户"), "lines": ("lines", "商品"), "shipping_fee": ("shipping fee", "运费"),
    "address": ("address", "地址"), "phone": ("phone", "电话"), "payment": ("payment", "付款方式"),
    "buyer_name": ("platform name", "平台会员名"),
    "note": ("note", "备注"), "tracking_no": ("tracking number", "运单号"), "carrier": ("carrier", "快递公司"),
    "postage": ("postage", "运费"), "method": ("method", "寄回方式"), "finding": ("finding", "验货结果"),
    "refund": ("refund", "退款"), "accept_parcel": ("accept the parcel", "接收包裹"),
    "monthly_wage": ("monthly wage", "月工资"), "feedback": ("feedback", "反馈"), "category": ("category", "类别"),
    "against": ("against", "被投诉人"), "text": ("text", "内容"), "channel": ("channel", "渠道"),
    "offer": ("offer", "方案"), "outcome": ("outcome", "结果"), "rating": ("rating", "评价"),
    "purpose": ("purpose", "用途"), "version": ("version", "版本"), "params": ("params", "参数"),
    "quantity": ("quantity", "数量"), "record": ("record", "记录"), "key": ("key", "键"), "type": ("type", "类型"),
    "id": ("id", "编号"), "summary": ("what", "内容"), "data": ("data", "内容"), "overdue": ("overdue", "超时"),
    "balance": ("balance", "余额"), "refund_no": ("refund number", "退款编号"),
}

# values a table shows in the reader's words (keys and values beyond words.py's input words)
SHOWN: dict[str, dict[str, str]] = {
    "kind": {"same_day_shipping": "当日发货", "address_unconfirmed": "地址未确认", "reship": "换货发出",
             "contact_buyer": "联系买家", "resolve_review": "处理差评", "answer_complaint": "答复投诉",
             "rule_complaint": "裁定投诉", "close_complaint": "投诉结案", "dispatch": "发货",
             "confirm_address": "确认地址", "inspect": "验货", "rule_case": "裁定售后", "refund": "退款",
             "return": "退货", "exchange": "换货", "refund_only": "仅退款", "order": "订单", "case": "售后单",
             "shipment": "包裹", "dispute": "评价纠纷", "complaint": "投诉", "staff": "员工", "tracking": "运单号",
             "platform_order": "平台订单", "exchange_reship": "换货超时", "review_contact": "差评联系超时",
             "review_resolution": "差评处理超时", "complaint_response": "投诉答复超时",
             "complaint_resolution": "投诉处理超时"},
    "payer": {"pending": "待裁定"},
    "type": {"OrderPlaced": "下单", "AddressConfirmed": "确认地址", "AddressChanged": "改地址",
             "OrderNoted": "订单备注", "DispatchDelayNotified": "告知延迟发货", "OrderCancelled": "取消订单",
             "ParcelDispatched": "发货", "ParcelDelivered": "签收", "ParcelReturnedToSender": "退回",
             "ParcelLost": "丢件", "ReturnRequested": "申请售后", "ReturnParcelReceived": "收到退货包裹",
             "ReturnInspected": "验货", "ReturnWithdrawn": "买家撤销售后", "ReturnParcelSent": "买家已寄回",
             "SupervisorRuled": "主管裁定",
             "ExchangeDelayNotified": "告知换货延迟", "RefundIssued": "退款", "PlatformRefunded": "平台退款",
             "ReviewPosted": "评价", "BuyerContacted": "联系买家",
             "ResolutionOffered": "提出方案", "DisputeSettled": "纠纷解决", "NegotiationFailed": "协商失败",
             "ComplaintLodged": "登记投诉", "ComplaintAnswered": "答复投诉", "ComplaintRuled": "裁定投诉",
             "ComplaintClosed": "投诉结案", "StockReceived": "入库", "StockCounted": "盘点",
             "StaffWageSet": "设定工资", "StaffRoleChanged": "改角色", "StaffLeft": "离职", "FundSpent": "基金支出",
             "TargetSet": "设定目标", "PolicyAdopted": "采用规则", "RecordVoided": "作废记录",
             "StaffEnrolled": "开通账号", "CustomerForgotten": "删除客户信息", "BackupTaken": "备份"},
}


FIXED: contextvars.ContextVar[str | None] = contextvars.ContextVar("language", default=None)


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Texts said inside are in `language` whatever the reader's."""
    token = FIXED.set(language)
    try:
        yield
    finally:
        FIXED.reset(token)


def english() -> contextlib.AbstractContextManager[None]:
    """A JSON value never changes with the reader's language."""
    return speaking(EN)


def page_language() -> str:
    """The report page's: Chinese, the shop's, unless LEDGER_LANG asks for English (section 12)."""
    chosen = os.environ.get("LEDGER_LANG", "")
    return EN if chosen and not chosen.lower().startswith("zh") else ZH


def lang() -> str:
    """The reader's language: LEDGER_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG)."""
    if (fixed := FIXED.get()) is not None:
        return fixed
    for name in ("LEDGER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return ZH if value.lower().startswith("zh") else EN
    return EN


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if lang() == ZH else pair[0]


def say(key: str, **values: Any) -> str:
    return _pick(TEXTS[key]).format(**values)


def rule_text(rule_id: str) -> str:
    return _pick(RULES[rule_id]) if rule_id in RULES else ""


def heading(name: str) -> str:
    return _pick(HEADINGS[name]) if name in HEADINGS else name


def yes_no(flag: Any) -> str:
    return say("yes") if flag else say("no")


@functools.cache
def _words() -> dict[str, dict[str, str]]:
    from ledger.words import WORDS

    by_key: dict[str, dict[str, str]] = {key: dict(values) for key, values in SHOWN.items()}
    for (_, key), table in WORDS.items():
        for word, value in table.items():
            by_key.setdefault(key, {}).setdefault(value, word)  # the first word of a value is its name
    return by_key


def shown(key: str, value: Any) -> str:
    """A value as a table or a sentence shows it: in Chinese, the shop's word beside it."""
    text = "" if value is None else str(value)
    if lang() != ZH or not text:
        return text
    word = _words().get(key, {}).get(text)
    return f"{text} {word}" if word else text


def word(key: str, value: str) -> str:
    """A value inside a sentence: the shop's word alone in Chinese, the value hyphenated in English."""
    if lang() == ZH and (found := _words().get(key, {}).get(value)):
        return found
    return value.replace("_", "-")


def unknown_type(name: str, types: list[str], listed: bool = False) -> str:
    """An unknown record type, with the nearest known one (`OrderPlacd`: did you mean OrderPlaced?)."""
    import difflib

    from ledger.values import quote

    nearest = difflib.get_close_matches(name, types, n=1, cutoff=0.6)
    tail = say("did_you_mean", name=nearest[0]) if nearest else say("the_types", names=", ".join(types)) \
        if listed else ""
    return say("unknown_type", type=quote(name), nearest=tail)
