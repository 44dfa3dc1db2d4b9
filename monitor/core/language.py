"""The report's language: English, as the code writes it, or Simplified Chinese.

English is the key. The code says each sentence in English, as a ``str.format`` template
handed to ``say`` (``say = words(language)``), which gives it in the report's language: the
report's code reads as its English text does, and the Chinese team reads one catalogue.
Every template in the code goes through a name ``say``; tests/unit/test_language.py finds
them all and fails on a template without a translation, on a translation whose placeholders
differ from its template's, and on one no code uses. At run time a template without a
translation is said in English rather than cost the report.

Only what a person reads is translated: the report, its chart and its page. The console, the
journal, the CSV and the JSON summary stay in English, for operators and scripts. Numbers,
durations, table names, run ids, commands, timestamps (UTC), the tokens GO, NO-GO and
INCONCLUSIVE, and what the journal or the job's log recorded (event messages, errors, log
lines) are shown as they are.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


@dataclass(frozen=True)
class Words:
    """Says an English template in one language; ``html_lang`` is its BCP 47 tag."""

    language: Language
    html_lang: str
    catalogue: Mapping[str, str]

    def __call__(self, template: str, /, **values: object) -> str:
        return self.catalogue.get(template, template).format(**values)


def words(language: Language) -> Words:
    return CHINESE if language == "zh" else ENGLISH


# Chinese as an operations engineer writes it: full-width punctuation in sentences, ASCII in
# table headings and beside figures, a space between Chinese and Latin letters or digits.
_CHINESE = {
    # --- the report's title and sections -------------------------------------------------
    "Pilot run report": "试运行报告",
    "Pilot run report: {table}": "试运行报告：{table}",
    "Run {run}.": "运行编号 {run}。",
    "Rows and rate over time": "行数与速率随时间的变化",
    "Executive summary": "执行摘要",
    "Forecast and decision": "预测与决策",
    "Collection statistics": "采集统计",
    "Database activity": "数据库活动",
    "Other tables": "其他表",
    "Samples": "样本",
    "Events": "事件",
    "Log analysis": "日志分析",
    "Conclusions and recommendations": "结论与建议",
    "Settings": "设置",
    "Compared with the previous pilot": "与上一次试运行的比较",
    # --- executive summary ---------------------------------------------------------------
    "Verdict": "判定",
    "Start": "开始",
    "End": "结束",
    "Duration": "时长",
    "Job": "任务",
    "Job exit code": "任务退出码",
    "Container": "容器",
    "Command": "命令",
    "(not recorded)": "(未记录)",
    "{ran} of a {budget} budget": "{ran} (时间预算 {budget})",
    "unknown: the monitor stopped without recording the end": "未知：监控程序停止时没有记录结束",
    "possibly still running: the stop could not be confirmed": "可能仍在运行：无法确认已停止",
    "exited by itself": "自行退出",
    "lost: its container stopped or restarted under it": "丢失：其容器已停止或重启",
    "stopped by the monitor with {signal}, confirmed gone": (
        "已由监控程序以 {signal} 停止，确认已退出"
    ),
    "not running at the end": "结束时未在运行",
    # --- the verdict: how the pilot ended --------------------------------------------------
    "UNFINISHED: the journal stops before the pilot ended": "未完成：运行记录在试运行结束前中断",
    "FAILED: the job could not be confirmed stopped; check the app container": (
        "失败：无法确认任务已停止，请检查 app 容器"
    ),
    "INTERRUPTED: {detail}; {stopped}": "中断：{detail}；{stopped}",
    "the monitor was stopped": "监控程序被停止",
    "the job was not started": "任务未启动",
    "the job was stopped": "任务已停止",
    "FAILED: the job was not started: {detail}": "失败：任务未启动：{detail}",
    "FAILED: the monitor hit an error: {detail}": "失败：监控程序出错：{detail}",
    "FAILED: {detail}": "失败：{detail}",
    "FAILED: the job stalled, {detail}": "失败：任务停滞，{detail}",
    "FAILED: the job exited with code {code}": "失败：任务退出，退出码 {code}",
    "unknown": "未知",
    "FAILED: no sample of the table could be taken": "失败：未能对表完成任何一次采样",
    "COMPLETED: the job finished by itself with exit code 0": "完成：任务自行结束，退出码 0",
    "PASSED: the time budget was spent with the job running": (
        "通过：时间预算用完时任务仍在正常运行"
    ),
    # --- forecast and decision: the figures ------------------------------------------------
    "Decision: {level}": "决策：{level}",
    "Also: {reason}": "另外：{reason}",
    "Warm-up": "预热期",
    "Steady rate": "稳定速率",
    "Interval rates after the warm-up": "预热期后的间隔速率",
    "Trend": "趋势",
    "Stalls": "停滞",
    "ETA": "预计耗时",
    "Table size": "表大小",
    "never ended: no row was added": "未结束：没有新增行",
    "{time}: {samples} sample(s) before the first new rows, left out of the rates below": (
        "{time}：首批新行之前的 {samples} 个样本，不计入下列速率"
    ),
    "none: rows came in the first interval": "无：第一个间隔就有新增行",
    "{rate}: {rows} rows in {time} after it": "{rate}：预热期后 {time} 内新增 {rows} 行",
    "median {median}/min, p10 {p10}/min, p90 {p90}/min ({intervals} full intervals)": (
        "中位数 {median} 行/分钟，p10 {p10} 行/分钟，p90 {p90} 行/分钟（{intervals} 个完整间隔）"
    ),
    "median {median}/min, p10 {p10}/min, p90 {p90}/min ({intervals} full intervals, one in"
    " {every} of them taken)": (
        "中位数 {median} 行/分钟，p10 {p10} 行/分钟，p90 {p90} 行/分钟（{intervals} 个完整间隔，"
        "每 {every} 个取 1 个）"
    ),
    "none after the warm-up": "预热期后无",
    "; no progress since +{since} to the end": "；自 +{since} 起直到结束没有任何进展",
    "{count}, {total} in all (the longest {longest})": "{count} 次，共 {total}（最长 {longest}）",
    # --- forecast and decision: the reasons ------------------------------------------------
    "no reason recorded": "未记录原因",
    "no detail": "无详情",
    "The pilot was interrupted before the job started ({detail}): nothing was measured.": (
        "试运行在任务启动前被中断（{detail}）：没有测得任何数据。"
    ),
    "The job was not started ({detail}): nothing was measured.": (
        "任务未启动（{detail}）：没有测得任何数据。"
    ),
    "The journal stops after {ran}, before the pilot ended: the figures may be incomplete.": (
        "运行记录在 {ran} 处中断，试运行尚未结束：数据可能不完整。"
    ),
    "The job could not be confirmed stopped: check the app container first.": (
        "无法确认任务已停止：请先检查 app 容器。"
    ),
    "The job was lost after {ran}: {detail}.": "任务在 {ran} 后丢失：{detail}。",
    "The job finished by itself with exit code 0 after {ran}.": (
        "任务在 {ran} 后自行结束，退出码 0。"
    ),
    "The job ended after {ran} while no monitor watched: its exit code is unknown.": (
        "任务在 {ran} 后结束，当时没有监控程序在观察：退出码未知。"
    ),
    "The job failed with exit code {code} after {ran}.": "任务在 {ran} 后失败，退出码 {code}。",
    "The pilot was interrupted after {ran} of {budget} ({share:.0f}%).": (
        "试运行在 {ran} 后被中断（时间预算 {budget}，完成 {share:.0f}%）。"
    ),
    "The monitor hit an error after {ran} ({detail}): the figures may be incomplete.": (
        "监控程序在 {ran} 后出错（{detail}）：数据可能不完整。"
    ),
    "The job ran the whole {budget} budget without failing.": (
        "任务运行满 {budget} 的时间预算，没有失败。"
    ),
    "No stall after the warm-up.": "预热期后没有停滞。",
    "No progress for the last {ongoing} of the pilot (since +{since}), and no recovery: the job"
    " hung or waits (the Database activity section tells on what).": (
        "试运行的最后 {ongoing}（自 +{since} 起）没有任何进展且未恢复：任务卡住了或在等待"
        "（等待什么见“数据库活动”一节）。"
    ),
    "The job stalled, and PILOT_STALL_FAILS ended the pilot after {ran}: {detail}.": (
        "任务停滞，PILOT_STALL_FAILS 在 {ran} 后结束了试运行：{detail}。"
    ),
    "{count} stall(s) after the warm-up, {total} in all ({share:.0%} of the {after} after it;"
    " the longest {longest})": (
        "预热期后停滞 {count} 次，共 {total}（占预热期后 {after} 的 {share:.0%}；最长 {longest}）"
    ),
    "{stalls}: {limit:.0%} or more; find out why the job stood still before a full run.": (
        "{stalls}：达到或超过 {limit:.0%}；全量运行前请查明任务为何停滞。"
    ),
    "{stalls}: under {limit:.0%}, and the steady rate includes them.": (
        "{stalls}：低于 {limit:.0%}，且稳定速率已计入这些停滞。"
    ),
    "No count of the table could be taken: no rate to judge.": "未能对表计数：没有可判断的速率。",
    "no row was added at all": "完全没有新增行",
    "after a warm-up of {warmup}": "预热期 {warmup}",
    "Only {intervals} full interval(s) after the warm-up ({warmup}): {needed} are needed to"
    " judge a rate. Run a longer pilot or a shorter PILOT_INTERVAL.": (
        "预热期后只有 {intervals} 个完整间隔（{warmup}）：判断速率至少需要 {needed} 个。"
        "请延长试运行，或缩短 PILOT_INTERVAL。"
    ),
    "n/a": "无",
    "{rate:.1f}/min": "{rate:.1f} 行/分钟",
    "The steady rate is {rate} over {time} after the warm-up (no PILOT_MIN_RATE set).": (
        "预热期后 {time} 内的稳定速率为 {rate}（未设置 PILOT_MIN_RATE）。"
    ),
    "The steady rate, {rate} over {time} after the warm-up, is below PILOT_MIN_RATE"
    " ({minimum:g}/min).": (
        "预热期后 {time} 内的稳定速率为 {rate}，低于 PILOT_MIN_RATE（{minimum:g} 行/分钟）。"
    ),
    "The steady rate, {rate} over {time} after the warm-up, meets PILOT_MIN_RATE"
    " ({minimum:g}/min).": (
        "预热期后 {time} 内的稳定速率为 {rate}，达到 PILOT_MIN_RATE（{minimum:g} 行/分钟）。"
    ),
    "PILOT_MAX_HOURS ({hours:g}h)": "PILOT_MAX_HOURS（{hours:g} 小时）",
    "{limit} is set, but without PILOT_TARGET_ROWS there is no ETA to hold it against.": (
        "设置了 {limit}，但没有设置 PILOT_TARGET_ROWS，没有可与之比较的预计耗时。"
    ),
    "No ETA for the {remaining} rows left: the table did not grow after the warm-up, so they"
    " will not be done within {limit}.": (
        "剩余 {remaining} 行无法估算耗时：预热期后表没有增长，无法在 {limit} 内完成。"
    ),
    "The ETA, {eta}, is beyond {limit}.": "预计耗时 {eta}，超出 {limit}。",
    "The ETA, {eta}, is within {limit}.": "预计耗时 {eta}，在 {limit} 以内。",
    "The ETA, {eta}, is within {limit}; the range's long end ({longest}) is not.": (
        "预计耗时 {eta}，在 {limit} 以内；但区间上限（{longest}）超出。"
    ),
    "open": "无上限",
    "The job finished with {rows} rows in the table, {short} short of PILOT_TARGET_ROWS"
    " ({target}): check the target, or what the job left out.": (
        "任务结束时表中有 {rows} 行，比 PILOT_TARGET_ROWS（{target}）少 {short} 行："
        "请核对目标值，或检查任务遗漏了什么。"
    ),
    "The job's log could not be read: its errors are unknown.": (
        "无法读取任务日志：其中有无错误未知。"
    ),
    "The job's log has {errors} error line(s) and {tracebacks} traceback(s) in {lines} lines:"
    " read them before a full run.": (
        "任务日志共 {lines} 行，其中错误行 {errors} 行、异常堆栈 {tracebacks} 个："
        "全量运行前请先阅读。"
    ),
    "The job's log has no error lines in {lines} lines.": "任务日志共 {lines} 行，没有错误行。",
    # --- ETA and size (monitor.core.forecast) ----------------------------------------------
    "none: set PILOT_TARGET_ROWS to the full backfill's expected row count": (
        "无：请把 PILOT_TARGET_ROWS 设为全量回填预计的行数"
    ),
    "none: set PILOT_TARGET_ROWS to the full backfill's expected row count (the table has"
    " {rows} rows now)": (
        "无：请把 PILOT_TARGET_ROWS 设为全量回填预计的行数（表当前有 {rows} 行）"
    ),
    "none: no count of the table was taken": "无：未能对表计数",
    "nothing left: the table has {rows} rows, PILOT_TARGET_ROWS is {target}": (
        "无剩余：表已有 {rows} 行，PILOT_TARGET_ROWS 为 {target}"
    ),
    "{remaining} rows left to PILOT_TARGET_ROWS ({target})": (
        "距 PILOT_TARGET_ROWS（{target}）还剩 {remaining} 行"
    ),
    "none: {left}, and the table did not grow after the warm-up": (
        "无：{left}，且预热期后表没有增长"
    ),
    "at the steady {rate:.1f}/min; {left}": "按稳定速率 {rate:.1f} 行/分钟；{left}",
    "at least {shortest}, most likely {likely} ({pace}; no upper bound: a tenth of the"
    " intervals or more added no rows)": (
        "至少 {shortest}，最可能 {likely}（{pace}；没有上限：一成或更多的间隔没有新增行）"
    ),
    "between {shortest} and {longest}, most likely {likely} ({pace}; the range at the p90 and"
    " p10 interval rates)": (
        "{shortest} 至 {longest}，最可能 {likely}（{pace}；区间按 p90 与 p10 间隔速率计算）"
    ),
    "not recorded (the estimate strategy does not read it, no count succeeded, or an older"
    " monitor wrote the journal)": (
        "未记录（estimate 计数策略不读取表大小、没有一次计数成功，或运行记录由旧版监控程序写入）"
    ),
    "{size} now for {rows} rows": "当前 {size}，共 {rows} 行",
    "{now}: no rows to divide it by": "{now}：没有行，无法计算每行大小",
    "{now} ({per_row:.0f} bytes a row, indexes and TOAST included)": (
        "{now}（每行 {per_row:.0f} 字节，含索引与 TOAST）"
    ),
    "{now}; set PILOT_TARGET_ROWS for the size at the end": (
        "{now}；设置 PILOT_TARGET_ROWS 可估算最终大小"
    ),
    "{now}; about {size} at {target} rows": "{now}；达到 {target} 行时约 {size}",
    "{count:.0f} bytes": "{count:.0f} 字节",
    # --- the trend (monitor.core.rates) ----------------------------------------------------
    "too short to tell: {intervals} full interval(s) after the warm-up, {needed} needed": (
        "时间太短，无法判断：预热期后只有 {intervals} 个完整间隔，至少需要 {needed} 个"
    ),
    "none to tell: the median interval rate of the first half is 0": (
        "无法判断：前半段的间隔速率中位数为 0"
    ),
    "slowing": "变慢",
    "speeding up": "加快",
    "steady": "平稳",
    "{trend}: {change:+.0%} from the first half to the second in the median interval rate"
    " ({early:.1f}/min, then {late:.1f}/min)": (
        "{trend}：间隔速率中位数从前半段到后半段变化 {change:+.0%}"
        "（{early:.1f} 行/分钟，随后 {late:.1f} 行/分钟）"
    ),
    "; the halves' steady rates, pauses included: {first:.1f}/min, then {second:.1f}/min": (
        "；前后两半的稳定速率（含暂停）：{first:.1f} 行/分钟，随后 {second:.1f} 行/分钟"
    ),
    # --- collection statistics -------------------------------------------------------------
    "| Metric | Value |": "| 指标 | 值 |",
    "Initial rows": "初始行数",
    "Final rows": "最终行数",
    "Rows added": "新增行数",
    "Average rate": "平均速率",
    "Peak interval rate": "最高间隔速率",
    "Slowest interval rate": "最低间隔速率",
    "Counting": "计数方式",
    "{samples} taken every {interval}, {missing} missing": (
        "每 {interval} 一个，共 {samples} 个，缺失 {missing} 个"
    ),
    "{rate:.1f}/min ({hourly:.0f}/hour)": "{rate:.1f} 行/分钟 ({hourly:.0f} 行/小时)",
    "{rate} (sample {sample}, at {time})": "{rate} (样本 {sample}, {time})",
    # --- samples -------------------------------------------------------------------------
    "| # | Time | Elapsed | Job | Total | Added | Delta | Rate (/min) | Avg (/min) | Note |": (
        "| # | 时间 | 经过时间 | 任务 | 总行数 | 累计新增 | 增量 | 速率 (行/分钟)"
        " | 平均 (行/分钟) | 备注 |"
    ),
    "| Samples | Time | Elapsed | Job | Total | Delta | Rate (/min) | Min rate (/min)"
    " | Max rate (/min) | Missing |": (
        "| 样本 | 时间 | 经过时间 | 任务 | 总行数 | 增量 | 速率 (行/分钟) | 最低速率 (行/分钟)"
        " | 最高速率 (行/分钟) | 缺失 |"
    ),
    "end": "结束",
    "running": "运行中",
    "stopped": "已停止",
    "running ({running}), stopped ({stopped})": "运行中 ({running}), 已停止 ({stopped})",
    "missing: {error}": "缺失：{error}",
    "no samples were taken": "未采集到样本",
    "{csv} beside this report has every sample": "本报告旁的 {csv} 包含全部样本",
    "the journal has every sample (their CSV could not be written)": (
        "运行记录中有全部样本（样本 CSV 未能写出）"
    ),
    "The {samples} samples are summarised in {rows} rows of {size} consecutive samples;"
    " {where}.": "{samples} 个样本汇总为 {rows} 行，每行 {size} 个连续样本；{where}。",
    # --- events --------------------------------------------------------------------------
    "Database outage: {samples} sample(s) missing from {first} to {last} ({error})": (
        "数据库中断：{first} 至 {last} 缺失 {samples} 个样本（{error}）"
    ),
    "from {first}": "自 {first} 起",
    "from {first} to {last} ({duration})": "在 {first} 至 {last}（{duration}）期间",
    "Monitoring gap: the monitor was not running {span}; no sample was taken then, and the"
    " first rate after it spans the gap": (
        "监控中断：监控程序{span}未运行；其间没有采样，之后的第一个速率跨越了这段中断"
    ),
    "Docker Engine unreachable {span}: the job's state was not observed (samples show the last"
    " state known)": (
        "Docker Engine {span}无法访问：未能观察到任务状态（样本显示的是最后已知的状态）"
    ),
    # --- log analysis --------------------------------------------------------------------
    "The job's log could not be read.": "无法读取任务日志。",
    "File": "文件",
    "Size (this run)": "大小 (本次运行)",
    "Lines (this run)": "行数 (本次运行)",
    "Error lines": "错误行",
    "Warning lines": "警告行",
    "Tracebacks": "异常堆栈 (Traceback)",
    "Last {count} lines:": "最后 {count} 行：",
    "| trouble | lines | first at | first line | rate then |": (
        "| 问题类型 | 行数 | 首次出现 | 首行 | 当时速率 |"
    ),
    "The rate then is the table's in the interval of the first line (the log's times read as"
    " UTC), and in the next when that one drops; a drop is below half the median interval"
    " rate. The chart marks each first line.": (
        "当时速率是首行所在间隔内该表的速率（日志时间按 UTC 读取），下一个间隔下降时也一并列出；"
        "低于间隔速率中位数一半即为下降。图表标出了每类问题的首行。"
    ),
    "{before}, then **{rate}** at {where}: a drop (median {median})": (
        "{before}，随后{where} 时为 **{rate}**，下降 (中位数 {median})"
    ),
    "outside the pilot": "不在试运行期间",
    "no count ({where})": "无计数 ({where})",
    "**{rate}** at {where}: a drop (median {median})": (
        "{where} 时为 **{rate}**，下降 (中位数 {median})"
    ),
    "{rate} at {where}": "{where} 时为 {rate}",
    "rate limited (HTTP 429)": "限流 (HTTP 429)",
    "timeouts": "超时",
    "connection trouble": "连接问题",
    "tracebacks": "异常堆栈",
    "other errors": "其他错误",
    "other warnings": "其他警告",
    # --- conclusions and recommendations ---------------------------------------------------
    "The job may still be running in {container}: check it before anything else, and stop it"
    " by hand if needed.": "任务可能仍在 {container} 中运行：请先检查，必要时手动停止。",
    "The job was not started ({reason}): nothing about the backfill was measured. Fix the"
    " cause and run the pilot again.": (
        "任务未启动（{reason}）：没有测得任何回填数据。请排除原因后重新试运行。"
    ),
    "The job ran for the whole budget of {budget} without failing.": (
        "任务运行满 {budget} 的时间预算，没有失败。"
    ),
    "The backfill finished by itself after {ran}: there is nothing left to run.": (
        "回填在 {ran} 后自行完成：已没有需要运行的部分。"
    ),
    "The job failed with exit code {code} after {ran}; the last log lines above show why. Fix"
    " this before a full run.": (
        "任务在 {ran} 后失败，退出码 {code}；原因见上方日志的最后几行。全量运行前请先修复。"
    ),
    "The pilot was interrupted after {ran} of {budget} ({share:.0f}%): the figures cover only"
    " that part. Rerun it before deciding.": (
        "试运行在 {ran} 后被中断（时间预算 {budget}，完成 {share:.0f}%）：数据只覆盖这一部分。"
        "请重新试运行后再做决定。"
    ),
    "The job ignored SIGTERM for the whole grace period and had to be killed: check its signal"
    " handling, or raise PILOT_STOP_GRACE, before a long run.": (
        "任务在整个宽限期内都没有响应 SIGTERM，只能强制终止：长时间运行前请检查其信号处理，"
        "或调大 PILOT_STOP_GRACE。"
    ),
    "The monitor itself was not running {count} time(s) during the pilot and took it up again"
    " without starting the job twice; the Events list each gap.": (
        "试运行期间监控程序自身有 {count} 次没有运行，恢复后接管了试运行，没有重复启动任务；"
        "每次中断见“事件”一节。"
    ),
    "{missing} of {samples} samples are missing ({outages} database outage(s)): the rates"
    " around them span the gap.": (
        "{samples} 个样本中缺失 {missing} 个（数据库中断 {outages} 次）："
        "缺失前后的速率跨越了这段空缺。"
    ),
    "The job logged {errors} error line(s) and {tracebacks} traceback(s) in {lines} lines.": (
        "任务日志共 {lines} 行，其中错误行 {errors} 行、异常堆栈 {tracebacks} 个。"
    ),
    "The job logged {errors} error line(s) and {tracebacks} traceback(s) in {lines} lines. The"
    " first: {first}.": (
        "任务日志共 {lines} 行，其中错误行 {errors} 行、异常堆栈 {tracebacks} 个。第一条：{first}。"
    ),
    "The job wrote nothing to its log during the pilot.": "试运行期间任务没有写任何日志。",
    "No count of the table could be taken: check PILOT_DATABASE_URL and the database.": (
        "未能对表计数：请检查 PILOT_DATABASE_URL 和数据库。"
    ),
    "No rows were added to {table} in {ran}. A backfill that is still fetching its work lists,"
    " or that updates rows it already has, looks the same to a row count: read the job's log"
    " to tell them apart from a stall.": (
        "{ran} 内 {table} 没有新增行。仍在拉取待办列表的回填，与只更新已有行的回填，"
        "在行数上看起来一样：请阅读任务日志，把它们与停滞区分开。"
    ),
    "{table} grew by {rows} rows at an average of {rate:.1f}/min ({hourly:.0f}/hour); at that"
    " rate a day of backfill adds about {daily:.0f} rows.": (
        "{table} 新增 {rows} 行，平均 {rate:.1f} 行/分钟（{hourly:.0f} 行/小时）；"
        "按此速率，回填一天约新增 {daily:.0f} 行。"
    ),
    "{idle} of {intervals} intervals added no rows (warm-up, rate limiting, updates of existing"
    " rows, or a stall).": (
        "{intervals} 个间隔中有 {idle} 个没有新增行（预热、限流、更新已有行或停滞）。"
    ),
    "The row count fell in {count} interval(s): rows were deleted.": (
        "有 {count} 个间隔的行数下降：有行被删除。"
    ),
    "Interval rates ranged from {slowest}/min (sample {slowest_sample}) to {peak}/min (sample"
    " {peak_sample}).": (
        "间隔速率在 {slowest} 行/分钟（样本 {slowest_sample}）到 {peak} 行/分钟"
        "（样本 {peak_sample}）之间。"
    ),
    # --- database activity and the other tables -------------------------------------------
    "Not recorded: the job's activity in the database was not read (a journal from an older"
    " monitor, or every read failed).": (
        "未记录：没有读取任务在数据库中的活动（运行记录来自旧版监控程序，或每次读取都失败）。"
    ),
    "Each interval gets the first state that holds: growing (new rows), updating (rows"
    " written, none new), in transaction (statements in an open transaction, which the table"
    " shows only at its commit), blocked (waiting on a lock), idle (none of these: no"
    " progress).": (
        "每个间隔取第一个成立的状态：增长（有新增行）、更新（有写入但没有新增行）、"
        "事务中（在未提交的事务中执行语句，表要到提交时才体现）、阻塞（等待锁）、"
        "空闲（以上都不是：没有进展）。"
    ),
    "| State | Intervals | Time |": "| 状态 | 间隔数 | 时间 |",
    "growing": "增长",
    "updating": "更新",
    "in transaction": "事务中",
    "blocked": "阻塞",
    "idle": "空闲",
    "Rows written to {table} in the table's statistics (every session, committed or not):"
    " {inserted} inserted, {updated} updated, {deleted} deleted.": (
        "表统计信息中写入 {table} 的行（所有会话，无论是否提交）：插入 {inserted} 行，"
        "更新 {updated} 行，删除 {deleted} 行。"
    ),
    "No stretch without new rows.": "没有无新增行的时段。",
    "Stretches without new rows:": "无新增行的时段：",
    "| State | From | To | Lasted | What |": "| 状态 | 开始 | 结束 | 持续 | 情况 |",
    "{count} more not listed": "另有 {count} 个未列出",
    "Only {table} was watched (PILOT_TABLES adds more).": (
        "只监控了 {table}（PILOT_TABLES 可添加更多表）。"
    ),
    "Counted after {table} at every sample; rates, ETA and decision are {table}'s.": (
        "每次采样在 {table} 之后计数；速率、预计耗时和决策均针对 {table}。"
    ),
    "Rows written (statistics)": "写入行数 (统计信息)",
    "not read": "未读取",
    "{inserted} inserted, {updated} updated, {deleted} deleted": (
        "插入 {inserted}，更新 {updated}，删除 {deleted}"
    ),
    "{samples}, {missing} missing": "{samples} 个，缺失 {missing} 个",
    "{samples} (first: {error})": "{samples}（首个错误：{error}）",
    # --- settings ------------------------------------------------------------------------
    "| Setting | Value |": "| 设置项 | 值 |",
    # --- the chart (monitor.core.chart) ----------------------------------------------------
    "Rows in {table} and rows added per minute, run {run}": (
        "{table} 的行数与每分钟新增行数，运行 {run}"
    ),
    "Rows in {table} and rows added per minute": "{table} 的行数与每分钟新增行数",
    "{points} points of {size} samples each": "{points} 个点，每点 {size} 个样本",
    "every sample": "全部样本",
    "Run {run}, started {began}; samples: {samples} taken every {interval}, {missing} missing;"
    " {shown}": (
        "运行 {run}，开始于 {began}；样本：每 {interval} 一个，共 {samples} 个，缺失 {missing} 个；"
        "{shown}"
    ),
    "Total rows (left axis)": "总行数 (左轴)",
    "Rows/min per interval (right axis)": "各间隔的行/分钟 (右轴)",
    "slowest to fastest interval": "最慢至最快的间隔",
    "event (hover for details)": "事件 (悬停查看详情)",
    "No count of the table was taken": "未能对表计数",
    "Rows in {table}": "{table} 的行数",
    "Rows added per minute": "每分钟新增行数",
    "Time since the start ({began})": "自开始起的时间 ({began})",
    "start": "开始",
    "samples {first}-{last}": "样本 {first}-{last}",
    "the count after the stop": "停止后的计数",
    "sample {index}": "样本 {index}",
    "{label}: {rate:,.1f} rows/min": "{label}：{rate:,.1f} 行/分钟",
    " (intervals {low:,.1f} to {high:,.1f})": " (各间隔 {low:,.1f} 至 {high:,.1f})",
    "{label}: {total:,} rows": "{label}：{total:,} 行",
    "no count (database outage)": "无计数 (数据库中断)",
    "monitor not running": "监控程序未运行",
    "Docker Engine unreachable": "Docker Engine 无法访问",
    "no count: {samples} sample(s) missing from {first} to {last} ({error})": (
        "无计数：{first} 至 {last} 缺失 {samples} 个样本（{error}）"
    ),
    "{name} from {first} for {duration}": "{name}：自 {first} 起，持续 {duration}",
    "{title} (and {count} more)": "{title} (另有 {count} 个)",
    "{time} the pilot ended ({reason})": "{time} 试运行结束 ({reason})",
    "{time} the pilot ended ({reason}: {detail})": "{time} 试运行结束 ({reason}: {detail})",
    ", code {code}": "，退出码 {code}",
    "job exited": "任务退出",
    "job lost": "任务丢失",
    "job NOT stopped": "任务未能停止",
    "stalled": "停滞",
    "progressing": "恢复增长",
    "count failed": "计数失败",
    "count back": "计数恢复",
    "Engine lost": "Engine 失联",
    "Engine back": "Engine 恢复",
    "monitor back": "监控恢复",
    "monitor error": "监控出错",
    "job": "任务",
    "stalled/progressing": "停滞/恢复",
    "count failed/back": "计数失败/恢复",
    "Engine lost/back": "Engine 失联/恢复",
    "monitor": "监控",
    "stop: budget spent": "停止：预算用完",
    "end: job exited": "结束：任务退出",
    "end: job lost": "结束：任务丢失",
    "stop: monitor stopped": "停止：监控被停止",
    "stop: monitor error": "停止：监控出错",
    "stop: job stalled": "停止：任务停滞",
    "first line of a kind of trouble in the job's log": "任务日志中某类问题的首行",
    "{time} the first line of {kind} in the job's log: {line}": (
        "{time} 任务日志中 {kind} 的首行：{line}"
    ),
    "; a drop to {rate:.1f}/min in that interval": "；该间隔速率降至 {rate:.1f} 行/分钟",
    "; a drop to {rate:.1f}/min in the next interval": "；下一个间隔速率降至 {rate:.1f} 行/分钟",
    # --- the comparison with the previous pilot (report._compared) ---------------------------
    "No earlier pilot of {table} in this logs folder to compare with.": (
        "此日志目录中没有 {table} 更早的试运行可供比较。"
    ),
    "(no run id)": "(无运行编号)",
    "an unknown time": "未知时间",
    "The previous pilot, run {run} of {when}, cannot be compared: {why}.": (
        "上一次试运行（运行编号 {run}，{when}）无法比较：{why}。"
    ),
    "The previous pilot of {table} in this logs folder: run {run}, started {when}.": (
        "此日志目录中 {table} 的上一次试运行：运行编号 {run}，开始于 {when}。"
    ),
    "| | Previous | This run | Change |": "| | 上一次 | 本次 | 变化 |",
    "Median interval rate": "间隔速率中位数",
    "p10 interval rate": "间隔速率 p10",
    "p90 interval rate": "间隔速率 p90",
    "ETA (most likely)": "预计耗时 (最可能)",
    "Decision": "决策",
    "Outcome": "结果",
    "Samples missing": "缺失样本",
    "same": "相同",
    "changed": "已变化",
}

ENGLISH = Words("en", "en", {})
CHINESE = Words("zh", "zh-CN", _CHINESE)
