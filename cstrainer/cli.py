"""The ``cstrainer`` command line.

Every command works against the database chosen by ``--db URL`` (or ``CSTRAINER_DB_URL``, or the
default file in the user data folder). Without ``--user`` the CLI acts as the local administrator
(whoever can run it already holds the database file or its credentials); with ``--user LOGIN`` it
logs in as that person (password from ``CSTRAINER_PASSWORD`` or a prompt) and every permission
check applies, exactly as in the GUI.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cstrainer import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A failure to report on stderr with a non-zero exit."""


@dataclass
class Context:
    args: argparse.Namespace
    _services: Any = None
    _actor: Any = None
    _login_password: str | None = None

    @property
    def services(self) -> Any:
        if self._services is None:
            from cstrainer.services import Services

            self._services = Services.open(self.args.db)
        return self._services

    def actor(self) -> Any:
        """The caller: the local administrator, or the person named by --user after logging in."""
        if self._actor is None:
            from cstrainer.services import SYSTEM

            login = self.args.user or os.environ.get("CSTRAINER_USER")
            if not login:
                self._actor = SYSTEM
            else:
                password = os.environ.get("CSTRAINER_PASSWORD")
                if password is None:
                    if not sys.stdin.isatty():
                        raise CliError(
                            "以 --user 登录需要密码：请设置环境变量 CSTRAINER_PASSWORD 或在终端中运行"
                        )
                    password = getpass.getpass(f"{login} 的密码：")
                self._actor = self.services.auth.login(login, password, source="cli")
                self._login_password = password  # proves the old password when changing one's own
        return self._actor

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _read_new_password(args: argparse.Namespace, login: str) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin：标准输入中没有密码")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError("请用 --password-stdin 从标准输入提供密码，或在终端中运行以便输入")
    first = getpass.getpass(f"{login} 的新密码：")
    second = getpass.getpass("再输入一次：")
    if first != second:
        raise CliError("两次输入的密码不一致")
    return first


# --- commands ----------------------------------------------------------------------------------


def cmd_gui(ctx: Context) -> int:
    from cstrainer.gui.app import run

    return run(ctx.args.db, ctx.args.debug)


def cmd_db_init(ctx: Context) -> int:
    from cstrainer.storage.database import peek_revision, resolve_url

    before = peek_revision(resolve_url(ctx.args.db))
    s = ctx.services
    after = s.db.revision
    if before is None:
        print(f"已创建数据库结构：{s.describe()}（结构版本 {after}）")
    elif before == after:
        print(f"数据库已是最新结构，未作改动：{s.describe()}（结构版本 {after}）")
    else:
        print(f"数据库已从结构版本 {before} 升级到 {after}：{s.describe()}")
        if s.db.backup_path:
            print(f"升级前的数据库已另存为 {s.db.backup_path}")
    return EXIT_OK


def cmd_db_info(ctx: Context) -> int:
    from cstrainer.storage.database import head_revision

    s = ctx.services
    info = {
        "database": s.describe(),
        "revision": s.db.revision,
        "head": head_revision(),
        "stats": s.content.stats(),
    }
    if ctx.args.json:
        _print_json(info)
    else:
        print(f"数据库：{info['database']}\n结构版本：{info['revision']}（程序最新 {info['head']}）")
        for k, v in info["stats"].items():
            print(f"  {k}: {v}")
    return EXIT_OK


def cmd_db_backup(ctx: Context) -> int:
    if ctx.args.auto:
        if ctx.args.path:
            raise CliError("--auto 把备份写入备份文件夹，不能同时指定 PATH")
        if ctx.args.keep is not None and ctx.args.keep < 1:
            raise CliError("--keep 至少为 1")
        outcome = ctx.services.database.auto_backup(keep=ctx.args.keep)
        print(outcome.summary())
        return EXIT_OK if outcome.ok else EXIT_FAILED
    if ctx.args.keep is not None:
        raise CliError("--keep 只用于 --auto（自动备份的保留份数）")
    if not ctx.args.path:
        raise CliError("请指定备份到的文件或文件夹 PATH，或用 --auto 做每日自动备份")
    dest = ctx.services.database.backup(ctx.actor(), Path(ctx.args.path))
    print(f"已备份到 {dest}（完整性检查通过）")
    return EXIT_OK


def _human_size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def cmd_db_backups(ctx: Context) -> int:
    from cstrainer import paths

    backups = ctx.services.database.backups(ctx.actor())
    if ctx.args.json:
        _print_json(
            [
                {
                    "path": str(b.path),
                    "time": b.created.isoformat(timespec="seconds"),
                    "kind": b.kind,
                    "size": b.size,
                    "database": b.database,
                    "revision": b.revision,
                    "problem": b.problem,
                }
                for b in backups
            ]
        )
        return EXIT_OK
    if not backups:
        print(f"备份文件夹 {paths.backup_dir()} 中还没有备份")
        return EXIT_OK
    print(f"备份文件夹：{paths.backup_dir()}")
    print(_columns(["时间", "类型", "大小", "结构版本", "文件"]))
    for b in backups:
        when = b.created.astimezone().strftime("%Y-%m-%d %H:%M")
        line = _columns([when, b.kind_label, _human_size(b.size), b.revision or "？", b.path.name])
        print(line + (f"  （{b.problem}）" if b.problem else ""))
    return EXIT_OK


def _columns(cells: list[str], widths: tuple[int, ...] = (16, 6, 9, 8)) -> str:
    """Cells padded to terminal columns (a Chinese character takes two)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    padded = [cell + " " * max(0, w - width(cell)) for cell, w in zip(cells, widths, strict=False)]
    return "  ".join(padded + cells[len(widths) :])


def cmd_db_restore(ctx: Context) -> int:
    from cstrainer import paths

    source = Path(ctx.args.path)
    if not source.exists() and source.name == ctx.args.path and (paths.backup_dir() / source).is_file():
        source = paths.backup_dir() / source  # a name from `cstrainer db backups`
    report = ctx.services.database.restore(ctx.actor(), source)
    print(f"已从 {source} 恢复数据库。")
    print(report.verification())
    if report.safety:
        print(f"恢复前的数据库已另存为 {report.safety}")
    return EXIT_OK


def _user_json(u: Any) -> dict[str, Any]:
    return {
        "login": u.login,
        "display_name": u.display_name,
        "role": u.role.value,
        "role_label": u.role.label,
        "team": u.team_key,
        "brands": list(u.brand_keys),
        "active": u.active,
        "status": u.status_label,
        "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
    }


def cmd_user_add(ctx: Context) -> int:
    a = ctx.args
    actor = ctx.actor()
    password = None if a.no_password else _read_new_password(a, a.login)
    u = ctx.services.users.add(actor, a.login, a.name, password, a.role, a.team, a.brand or ())
    print(f"已创建账号 {u.login}（{u.display_name}，{u.role.label}）")
    return EXIT_OK


def cmd_user_list(ctx: Context) -> int:
    users = ctx.services.users.list(ctx.actor(), include_inactive=ctx.args.all)
    if ctx.args.json:
        _print_json([_user_json(u) for u in users])
        return EXIT_OK
    print(f"{'登录名':<14}{'姓名':<10}{'角色':<10}{'小组':<16}{'状态'}")
    for u in users:
        print(f"{u.login:<16}{u.display_name:<10}{u.role.label:<10}{u.team_name or '-':<16}{u.status_label}")
    return EXIT_OK


def cmd_user_passwd(ctx: Context) -> int:
    a = ctx.args
    actor = ctx.actor()
    password = _read_new_password(a, a.login)
    # one's own password: the password just used to log in (--user) is the old one
    old = ctx._login_password if not actor.is_system and actor.login == a.login else None
    ctx.services.users.set_password(actor, a.login, password, old_password=old)
    print(f"已为 {a.login} 设置新密码")
    return EXIT_OK


def cmd_user_disable(ctx: Context) -> int:
    u = ctx.services.users.disable(ctx.actor(), ctx.args.login)
    print(f"已停用账号 {u.login}")
    return EXIT_OK


def cmd_user_enable(ctx: Context) -> int:
    u = ctx.services.users.enable(ctx.actor(), ctx.args.login)
    print(f"已启用账号 {u.login}")
    return EXIT_OK


def cmd_user_unlock(ctx: Context) -> int:
    u = ctx.services.users.unlock(ctx.actor(), ctx.args.login)
    print(f"已解锁账号 {u.login}")
    return EXIT_OK


def cmd_user_history(ctx: Context) -> int:
    from cstrainer.services.auth import REASON_LABELS

    actor = ctx.actor()
    if not ctx.args.login and actor.is_system:
        raise CliError("请指定要查看的登录名，例如 cstrainer user history kefu")
    rows = ctx.services.auth.history(actor, ctx.args.login)
    if ctx.args.json:
        _print_json(
            [
                {
                    "at": r.at.isoformat(),
                    "login": r.login,
                    "success": r.success,
                    "reason": r.reason,
                    "source": r.source,
                }
                for r in rows
            ]
        )
        return EXIT_OK
    for r in rows:
        print(
            f"{r.at.astimezone():%Y-%m-%d %H:%M:%S}  {r.login}  {REASON_LABELS.get(r.reason, r.reason)}  ({r.source})"
        )
    return EXIT_OK


def cmd_content_import(ctx: Context) -> int:
    a = ctx.args
    report = ctx.services.content.import_paths(
        ctx.actor(), [Path(p) for p in a.paths], dry_run=a.dry_run, include_demo=a.demo
    )
    if a.json:
        _print_json(report.to_json())
    else:
        print(report.summary())
    return EXIT_OK


def cmd_content_export(ctx: Context) -> int:
    written = ctx.services.content.export(ctx.actor(), Path(ctx.args.path))
    for p in written:
        print(p)
    print(f"已导出 {len(written)} 个文件到 {ctx.args.path}")
    return EXIT_OK


def cmd_content_stats(ctx: Context) -> int:
    from cstrainer.services.content import STAT_KEYS

    stats = ctx.services.content.stats()
    if ctx.args.json:
        _print_json(stats)
    else:
        labels = {
            "users": "人员",
            "teams": "小组",
            "brands": "品牌",
            "products": "产品",
            "competitors": "竞品",
            "handbook_entries": "手册条目",
            "questions": "题目",
            "exams": "试卷",
            "scenarios": "对话场景",
            "phrases": "话术",
        }
        for k in STAT_KEYS:
            print(f"{labels[k]}（{k}）：{stats[k]}")
    return EXIT_OK


def _print_errors(errors: Any) -> None:
    for e in errors:
        print(str(e), file=sys.stderr)


def cmd_questions_import(ctx: Context) -> int:
    a = ctx.args
    path = Path(a.path)
    if a.dry_run and a.json:
        # Parse only: no database is opened or created, nothing is written.
        from cstrainer.formats.question_io import read_questions
        from cstrainer.formats.question_json import question_to_json

        result = read_questions(path, format=a.format)
        if result.errors:
            print(f"错误：{path} 有 {len(result.errors)} 处错误：", file=sys.stderr)
            _print_errors(result.errors)
            return EXIT_FAILED
        for w in result.warnings:
            print(f"提示：{w}", file=sys.stderr)
        _print_json([question_to_json(q) for q in result.questions])
        return EXIT_OK
    defaults = {"category": a.category, "brand": a.brand}
    report = ctx.services.questions.import_file(
        ctx.actor(), path, format=a.format, dry_run=a.dry_run, defaults=defaults
    )
    if a.json:
        from cstrainer.formats.question_json import question_to_json

        _print_json(
            {
                "dry_run": report.dry_run,
                "added": report.added,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "warnings": report.warnings,
                "questions": [question_to_json(q) for q in report.questions],
            }
        )
    else:
        for w in report.warnings:
            print(f"提示：{w}", file=sys.stderr)
        print(report.summary())
    return EXIT_OK


def cmd_questions_export(ctx: Context) -> int:
    a = ctx.args
    fmt = a.format
    if fmt == "auto":
        from cstrainer.formats.question_io import detect_format

        fmt = detect_format(Path(a.path))
    n = ctx.services.questions.export_file(
        ctx.actor(), Path(a.path), format=fmt, include_retired=a.include_retired
    )
    print(f"已导出 {n} 道题到 {a.path}（{fmt}）")
    return EXIT_OK


def cmd_questions_template(ctx: Context) -> int:
    from cstrainer.services.questions import QuestionBankService

    path = QuestionBankService.write_template(Path(ctx.args.path))
    print(f"已生成导入模板 {path}")
    return EXIT_OK


def cmd_questions_list(ctx: Context) -> int:
    a = ctx.args
    rows = ctx.services.questions.search(
        ctx.actor(),
        a.query or "",
        category=a.category,
        brand=a.brand,
        type=a.type,
        include_retired=a.include_retired,
    )
    if a.json:
        _print_json(
            [
                {
                    "key": r.key,
                    "type": r.type.value,
                    "stem": r.stem,
                    "category": r.category,
                    "brand": r.brand,
                    "difficulty": r.difficulty,
                    "tags": list(r.tags),
                    "version": r.version,
                    "retired": r.retired,
                }
                for r in rows
            ]
        )
        return EXIT_OK
    for r in rows:
        stem = r.stem.replace("\n", " ")
        print(f"{r.key:<24}{r.type.label:<8}{r.category:<10}{stem[:40]}")
    print(f"共 {len(rows)} 题")
    return EXIT_OK


def cmd_questions_stats(ctx: Context) -> int:
    stats = ctx.services.exams.item_stats(ctx.actor(), ctx.args.exam)
    if ctx.args.json:
        from cstrainer.services.exams import _jsonable

        _print_json(_jsonable(stats))
        return EXIT_OK
    for st in stats:
        flags = "、".join(st.flag_labels)
        disc = "-" if st.discrimination is None else f"{st.discrimination:+.2f}"
        print(f"{st.question_key:<24} 作答 {st.n:>4}  通过率 {st.facility:.2f}  区分度 {disc}  {flags}")
    return EXIT_OK


def cmd_exams_list(ctx: Context) -> int:
    exams = ctx.services.exams.list_exams(ctx.actor())
    if ctx.args.json:
        from cstrainer.services.exams import _jsonable

        _print_json(_jsonable(exams))
        return EXIT_OK
    for e in exams:
        limit = f"{e.time_limit_minutes} 分钟" if e.time_limit_minutes else "不限时"
        print(f"{e.key:<20}{e.title:<12}{e.question_count:>4} 题  {limit}  及格 {e.pass_mark:g}")
    return EXIT_OK


def cmd_exams_verify(ctx: Context) -> int:
    info = ctx.services.exams.verify_certificate(ctx.args.code)
    if info is None:
        if ctx.args.json:
            _print_json({"valid": False, "code": ctx.args.code})
        print(f"错误：验证码 {ctx.args.code} 无效：没有这张证书", file=sys.stderr)
        return EXIT_FAILED
    if ctx.args.json:
        _print_json(
            {
                "valid": True,
                "code": info.code,
                "name": info.display_name,
                "login": info.login,
                "exam": info.exam_title,
                "score": info.percent,
                "date": info.passed_at.isoformat(),
            }
        )
    else:
        print(
            f"证书有效：{info.display_name}（{info.login}）于 {info.passed_at.astimezone():%Y-%m-%d} "
            f"通过“{info.exam_title}”，成绩 {info.percent:g} 分"
        )
    return EXIT_OK


def cmd_exams_certificate(ctx: Context) -> int:
    path = ctx.services.exams.certificate_pdf(ctx.actor(), ctx.args.attempt, Path(ctx.args.path))
    print(f"已生成证书 {path}")
    return EXIT_OK


def cmd_exams_results(ctx: Context) -> int:
    actor = ctx.actor()
    if ctx.args.exam:
        results = ctx.services.exams.attempts_for_exam(actor, ctx.args.exam)
    else:
        if not ctx.args.login and actor.is_system:
            raise CliError("请指定登录名或 --exam，例如 cstrainer exams results xinren")
        results = ctx.services.exams.attempts(actor, ctx.args.login)
    if ctx.args.json:
        _print_json(
            [
                {
                    "attempt": r.attempt_id,
                    "exam": r.exam_key,
                    "login": r.login,
                    "status": r.status,
                    "score": r.score,
                    "max_score": r.max_score,
                    "percent": r.percent,
                    "passed": r.passed,
                    "pending_review": r.pending_review,
                    "submitted_at": r.submitted_at,
                    "categories": {c.category: c.percent for c in r.categories},
                    "certificate": r.certificate_code,
                }
                for r in results
            ]
        )
        return EXIT_OK
    from cstrainer.services.exams import STATUS_LABELS

    for r in results:
        verdict = "待复核" if r.passed is None else ("通过" if r.passed else "未通过")
        print(
            f"#{r.attempt_id:<5}{r.login:<12}{r.exam_title:<12}{r.percent:>6.1f} 分  {verdict}  "
            f"{STATUS_LABELS.get(r.status, r.status)}"
        )
    return EXIT_OK


# --- parser ------------------------------------------------------------------------------------


# --- role-play ---------------------------------------------------------------------------------


# --- phrases ------------------------------------------------------------------------------------

MATCH_LABELS = {"shortcut": "编码", "shortcut_prefix": "编码前缀", "pinyin": "拼音首字母", "words": "词语"}


def _phrase_json(hit: Any) -> dict[str, Any]:
    p = hit.phrase
    return {
        "match": hit.match,
        "scope": p.scope,
        "key": p.key,
        "shortcut": p.shortcut,
        "brand": p.brand,
        "scene": p.scene,
        "intent": p.intent,
        "text": p.text,
        "tags": list(p.tags),
        "usage_count": p.usage_count,
    }


def cmd_phrases_search(ctx: Context) -> int:
    a = ctx.args
    hits = ctx.services.phrases.search(ctx.actor(), a.query, limit=a.limit, brand=a.brand, scene=a.scene)
    if a.json:
        _print_json([_phrase_json(h) for h in hits])
        return EXIT_OK
    if not hits:
        print(f"没有找到与“{a.query}”匹配的话术")
        return EXIT_OK
    for h in hits:
        p = h.phrase
        owner = "个人" if p.scope == "personal" else (p.brand or "通用")
        print(f"{p.shortcut:<8} {MATCH_LABELS[h.match]:<6} [{owner}·{p.scene}] {p.text}")
    print(f"共 {len(hits)} 条")
    return EXIT_OK


def _hit_dict(hit: Any, line: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if line is None else {"line": line}
    out.update(word=hit.word, start=hit.start, end=hit.end, reason=hit.reason, rule=hit.rule)
    return out


def cmd_phrases_lint(ctx: Context) -> int:
    """Lint a text or every line of a file with the database's banned-word list (the team's,
    as trainers edited it in 违禁词库)."""
    a = ctx.args
    scanner = ctx.services.compliance.scanner()
    if a.file:
        try:
            content = Path(a.file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"无法读取 {a.file}：{exc}") from exc
        found = [
            _hit_dict(h, n)
            for n, line in enumerate(content.splitlines(), start=1)
            for h in scanner.scan(line)
        ]
    elif a.text is not None:
        found = [_hit_dict(h) for h in scanner.scan(a.text)]
    else:
        raise CliError("请给出要检查的文字，或用 --file 指定文件")
    if a.json:
        _print_json(found)
    elif not found:
        print("未发现违规用语")
    else:
        for h in found:
            where = f"{a.file}:{h['line']}:{h['start'] + 1}" if a.file else f"第 {h['start'] + 1} 字"
            print(f"{where}: “{h['word']}”（{h['rule']}）{h['reason']}")
        print(f"共 {len(found)} 处违规用语", file=sys.stderr)
    return EXIT_FAILED if found else EXIT_OK


def _item_line(item: Any) -> str:
    return f"{item.key} [{item.brand or '通用'}·{item.scene}] {item.shortcut}：{item.text}"


def _ops_text(ops: Any) -> str:
    """A changed text with its changed words marked: [-old-]{+new+}."""
    parts = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.old)
        else:
            parts.append((f"[-{op.old}-]" if op.old else "") + (f"{{+{op.new}+}}" if op.new else ""))
    return "".join(parts)


def cmd_phrases_diff(ctx: Context) -> int:
    a = ctx.args
    diff = ctx.services.phrases.diff(ctx.actor(), a.old, a.new)
    if a.json:
        _print_json(diff.to_json())
        return EXIT_OK
    if diff.is_empty:
        print(f"{a.old} 与 {a.new} 的话术完全相同")
        return EXIT_OK
    for item in diff.added:
        print(f"+ {_item_line(item)}")
    for item in diff.removed:
        print(f"- {_item_line(item)}")
    for change in diff.changed:
        print(f"~ {change.key}（{'、'.join(change.fields)}）")
        for name in change.fields:
            if name == "text" and change.text_ops:
                print(f"    text: {_ops_text(change.text_ops)}")
            else:
                print(f"    {name}: {getattr(change.old, name)!s} -> {getattr(change.new, name)!s}")
    print(f"新增 {len(diff.added)}、删除 {len(diff.removed)}、修改 {len(diff.changed)}")
    return EXIT_OK


def _comment_json(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "phrase_key": c.phrase_key,
        "kind": c.kind,
        "text": c.text,
        "status": c.status,
        "author": c.author_login,
        "author_name": c.author_name,
        "created_at": c.created_at.isoformat(),
        "decided_by": c.decided_by,
        "decided_at": c.decided_at.isoformat() if c.decided_at else None,
        "decision_note": c.decision_note,
    }


def cmd_compliance_list(ctx: Context) -> int:
    rules = ctx.services.compliance.list_rules(ctx.actor())
    if ctx.args.rule:
        rules = [r for r in rules if r.rule == ctx.args.rule]
    if ctx.args.json:
        _print_json(
            [
                {
                    "id": r.id,
                    "word": r.word,
                    "pattern": r.pattern,
                    "rule": r.rule,
                    "reason": r.reason,
                    "exceptions": list(r.exceptions),
                    "note": r.note,
                    "version": r.version,
                    "updated_by": r.updated_by,
                }
                for r in rules
            ]
        )
        return EXIT_OK
    for r in rules:
        extra = f"（例外：{'、'.join(r.exceptions)}）" if r.exceptions else ""
        print(f"{r.id:>4}  {r.rule_label:<8} {r.label}{extra}：{r.reason}")
    print(f"共 {len(rules)} 条")
    return EXIT_OK


def cmd_compliance_export(ctx: Context) -> int:
    n = ctx.services.compliance.export_yaml(ctx.actor(), Path(ctx.args.path))
    print(f"已导出 {n} 条违禁词规则到 {ctx.args.path}")
    return EXIT_OK


def cmd_compliance_import(ctx: Context) -> int:
    path = Path(ctx.args.path)
    if not path.is_file():
        raise CliError(f"找不到文件 {path}")
    n = ctx.services.compliance.import_yaml(ctx.actor(), path)
    print(f"已导入 {n} 条违禁词规则，替换了原来的违禁词库")
    return EXIT_OK


def cmd_phrases_comments(ctx: Context) -> int:
    """Comments and proposals: one phrase's whole thread, or the open ones of the whole draft."""
    from cstrainer.services.phrase_review import KIND_LABELS, STATUS_LABELS

    a = ctx.args
    review = ctx.services.phrase_review
    rows = review.list_for_phrase(ctx.actor(), a.key) if a.key else review.list_open(ctx.actor())
    if a.json:
        _print_json([_comment_json(c) for c in rows])
        return EXIT_OK
    if not rows:
        print(f"话术 {a.key} 还没有评论或建议" if a.key else "草稿中没有待处理的评论或建议")
        return EXIT_OK
    for c in rows:
        when = c.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        who = f"{c.author_name}（{c.author_login}）" if c.author_login else "已删除的账号"
        decided = f"，{c.decided_by} 处理" if c.decided_by else ""
        note = f"：{c.decision_note}" if c.decision_note else ""
        print(
            f"#{c.id} {c.phrase_key} [{KIND_LABELS[c.kind]}·{STATUS_LABELS[c.status]}{decided}{note}] {who} {when}"
        )
        print(f"    {c.text}")
    print(f"共 {len(rows)} 条")
    return EXIT_OK


def _release_json(r: Any) -> dict[str, Any]:
    return {
        "version": r.version,
        "date": r.date.isoformat(),
        "author": r.author,
        "notes": r.notes,
        "items": r.items,
        "sha256": r.sha256,
        "source": r.source,
        "rollback_of": r.rollback_of,
    }


def cmd_phrases_release_list(ctx: Context) -> int:
    rows = ctx.services.phrases.list_releases(ctx.actor())
    if ctx.args.json:
        _print_json([_release_json(r) for r in rows])
        return EXIT_OK
    if not rows:
        print("还没有发布过话术版本")
    for r in rows:
        extra = (
            f"（回退到 {r.rollback_of}）" if r.rollback_of else ("（导入）" if r.source == "imported" else "")
        )
        print(f"{r.version:<14} {r.date} {r.author:<10} {r.items:>4} 条{extra}")
    return EXIT_OK


def cmd_phrases_release_publish(ctx: Context) -> int:
    a = ctx.args
    info = ctx.services.phrases.publish(ctx.actor(), a.version, a.notes)
    print(f"已发布话术版本 {info.version}（{info.date}，{info.items} 条）")
    return EXIT_OK


def cmd_phrases_release_rollback(ctx: Context) -> int:
    a = ctx.args
    info = ctx.services.phrases.rollback(ctx.actor(), a.old, a.version, a.notes or "")
    print(f"已把 {a.old} 的内容发布为新版本 {info.version}，团队话术库已恢复为该内容")
    return EXIT_OK


def cmd_phrases_release_export(ctx: Context) -> int:
    a = ctx.args
    path = ctx.services.phrases.export_release(ctx.actor(), a.version, Path(a.path))
    print(f"已导出话术版本 {a.version} 到 {path}")
    return EXIT_OK


def cmd_phrases_release_import(ctx: Context) -> int:
    result = ctx.services.phrases.import_release(ctx.actor(), Path(ctx.args.path))
    r = result.release
    if result.already_present:
        print(f"话术版本 {r.version} 已经导入过，内容一致，无需再导入")
    else:
        print(f"已导入话术版本 {r.version}（{r.date}，{r.items} 条），团队话术库已更新；个人话术不受影响")
    return EXIT_OK


def _print_preview(preview: Any) -> None:
    print(f"{preview.file}：{preview.summary()}")
    for item in preview.added:
        print(f"+ {_item_line(item)}")
    for _old, new in preview.updated:
        print(f"~ {_item_line(new)}")
    for f in preview.lint:
        words = "、".join(f"“{h.word}”（{h.reason}）" for h in f.hits)
        print(f"! {f.item.key} {f.item.shortcut} 含违规用语：{words}")
    for w in preview.warnings:
        print(f"提示：{w}", file=sys.stderr)
    for pr in preview.problems:
        print(f"错误：{pr}", file=sys.stderr)


def cmd_phrases_import(ctx: Context) -> int:
    """Preview (--dry-run) or import a Qianniu CSV/xlsx into the team library, all or nothing."""
    from cstrainer.services.phrase_io import ImportRejected

    a = ctx.args
    io_service = ctx.services.phrase_io
    actor = ctx.actor()
    if a.dry_run:
        preview = io_service.preview(actor, Path(a.path))
        if a.json:
            _print_json(preview.to_json())
        else:
            _print_preview(preview)
            if preview.lint and preview.ok:
                print("含违规用语的话术需用 --justification 写明理由才能导入", file=sys.stderr)
        return EXIT_OK if preview.ok else EXIT_FAILED
    try:
        result = io_service.import_table(actor, Path(a.path), justification=a.justification or "")
    except ImportRejected as exc:
        if a.json:
            _print_json({**exc.preview.to_json(), "imported": False, "error": str(exc)})
        else:
            _print_preview(exc.preview)
            print(f"错误：{exc}", file=sys.stderr)
        return EXIT_FAILED
    if a.json:
        _print_json({**result.preview.to_json(), "imported": True, "justified": list(result.justified)})
    else:
        print(
            f"已导入 {result.preview.file}：新增 {result.added} 条、修改 {result.updated} 条、不变 {result.unchanged} 条"
        )
    return EXIT_OK


def cmd_phrases_export(ctx: Context) -> int:
    a = ctx.args
    n = ctx.services.phrase_io.export(ctx.actor(), Path(a.path), fmt=a.format, brand=a.brand)
    print(f"已导出 {n} 条话术到 {a.path}")
    return EXIT_OK


def _doc_json(d: Any) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "key": d.key,
        "title": d.title,
        "brand": d.brand,
        "product": d.product,
        "version": d.version,
        "updated_at": d.updated_at.isoformat(),
        "updated_by": d.updated_by,
        "read_state": d.read_state,
    }


def cmd_handbook_list(ctx: Context) -> int:
    from cstrainer.domain.handbook import KIND_LABELS

    a = ctx.args
    docs = ctx.services.handbook.list_docs(ctx.actor(), kind=a.kind, brand=a.brand)
    if a.json:
        _print_json([_doc_json(d) for d in docs])
        return EXIT_OK
    states = {"new": "（新）", "updated": "（有更新）", "read": ""}
    for d in docs:
        brand = d.brand or "通用"
        print(
            f"{KIND_LABELS[d.kind]:<4} {d.key:<24} {brand:<8} v{d.version:<3} {d.title}{states[d.read_state]}"
        )
    print(f"共 {len(docs)} 篇")
    return EXIT_OK


def cmd_handbook_show(ctx: Context) -> int:
    a = ctx.args
    actor = ctx.actor()
    text = ctx.services.handbook_io.render_doc(actor, a.kind, a.key)
    if a.json:
        doc = ctx.services.handbook.get_doc(actor, a.kind, a.key)
        _print_json({**_doc_json(doc), "data": doc.data, "markdown": text})
    else:
        print(text, end="")
    return EXIT_OK


def _highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out += [text[last:start], "【", text[start:end], "】"]
        last = end
    return "".join(out) + text[last:]


def cmd_handbook_search(ctx: Context) -> int:
    from cstrainer.domain.handbook import KIND_LABELS

    a = ctx.args
    hits = ctx.services.handbook.search(ctx.actor(), a.query, limit=a.limit)
    if a.json:
        _print_json(
            [
                {
                    "kind": h.kind,
                    "key": h.key,
                    "title": h.title,
                    "field": h.field,
                    "label": h.label,
                    "snippet": h.snippet,
                    "spans": [list(span) for span in h.spans],
                }
                for h in hits
            ]
        )
        return EXIT_OK
    if not hits:
        print("没有找到")
        return EXIT_OK
    for h in hits:
        print(f"{KIND_LABELS[h.kind]} {h.key} {h.title} · {h.label}")
        print(f"    {_highlight(h.snippet, h.spans)}")
    print(f"共 {len(hits)} 篇")
    return EXIT_OK


def cmd_handbook_export(ctx: Context) -> int:
    a = ctx.args
    io_service = ctx.services.handbook_io
    if a.pdf:
        pages = io_service.export_pdf(ctx.actor(), Path(a.pdf), brand=a.brand)
        print(f"已导出手册 PDF 到 {a.pdf}（{pages} 页）")
    else:
        n = io_service.export_markdown(ctx.actor(), Path(a.markdown), brand=a.brand)
        print(f"已导出 {n} 篇手册到文件夹 {a.markdown}（目录见其中的 README.md）")
    return EXIT_OK


def _print_handbook_preview(preview: Any) -> None:
    from cstrainer.domain.handbook import KIND_LABELS

    print(f"{preview.folder}：{preview.summary()}")
    for d in preview.added:
        print(f"+ {KIND_LABELS[d.kind]} {d.key} {d.title}")
    for d in preview.changed:
        print(f"~ {KIND_LABELS[d.kind]} {d.key} {d.title}（{'、'.join(d.changed_labels)}）")
    for p in preview.problems:
        print(f"错误：{p}", file=sys.stderr)


def cmd_handbook_import(ctx: Context) -> int:
    """Preview (--dry-run) or import a handbook folder (the layout `handbook export --markdown` writes)."""
    from cstrainer.services.errors import ValidationFailed

    a = ctx.args
    folder = Path(a.path)
    if not folder.is_dir():
        raise CliError(f"找不到文件夹 {folder}")
    io_service = ctx.services.handbook_io
    actor = ctx.actor()
    if a.dry_run:
        preview = io_service.preview_markdown(actor, folder)
        if a.json:
            _print_json(preview.to_json())
        else:
            _print_handbook_preview(preview)
        return EXIT_OK if preview.ok else EXIT_FAILED
    try:
        result = io_service.import_markdown(actor, folder, note=a.note or "")
    except ValidationFailed as exc:
        preview = io_service.preview_markdown(actor, folder)
        if a.json:
            _print_json(
                {
                    **preview.to_json(),
                    "imported": False,
                    "error": str(exc),
                    "errors": [str(e) for e in exc.errors],
                }
            )
        else:
            if preview.ok:
                print(f"错误：{exc}", file=sys.stderr)
            else:
                _print_handbook_preview(preview)
                print(f"错误：手册文件夹有 {len(preview.problems)} 处问题，未导入任何内容", file=sys.stderr)
        return EXIT_FAILED
    if a.json:
        _print_json({**result.preview.to_json(), "imported": True, "saved": result.saved})
    else:
        print(
            f"已导入 {folder}：新增 {result.added} 篇、修改 {result.changed} 篇、不变 {result.unchanged} 篇"
        )
    return EXIT_OK


def _jsonable(value: Any) -> Any:
    from cstrainer.services.exams import _jsonable as jsonable

    return jsonable(value)


def cmd_roleplay_list(ctx: Context) -> int:
    a = ctx.args
    rows = ctx.services.roleplay.list_scenarios(ctx.actor(), stage=a.stage, brand=a.brand)
    if a.json:
        _print_json(_jsonable(rows))
        return EXIT_OK
    if not rows:
        print("还没有对话场景（可用 cstrainer content import scripts_library 导入）")
        return EXIT_OK
    for r in rows:
        stars = "★" * r.difficulty
        print(f"{r.key:<34} {r.stage} {r.persona:<4} {stars:<3} {r.title}")
    print(f"共 {len(rows)} 个场景")
    return EXIT_OK


def _scenario_text(sc: Any, version: int | None = None) -> list[str]:
    from cstrainer.domain.scenario import is_terminal, outcome_of

    def target(t: str | None) -> str:
        if not t:
            return "（未设置）"
        return f"结局：{outcome_of(t)}" if is_terminal(t) else f"→ {t}"

    out = [f"{sc.title}（{sc.key}）" + (f"  第 {version} 版" if version else "")]
    out.append(f"品牌：{sc.brand or '-'}  阶段：{sc.stage}  顾客：{sc.display_name}（{sc.persona}）")
    out.append(
        f"心情 {sc.mood}  耐心 {sc.patience}  难度 {sc.difficulty}  "
        f"回复时限 {sc.reply_time_target_seconds} 秒  回合上限 {sc.reply_limit}"
    )
    if sc.products:
        out.append(f"商品：{'、'.join(sc.products)}")
    if sc.competitors:
        out.append(f"竞品：{'、'.join(sc.competitors)}")
    out.append(f"目标：{sc.goal}")
    out.append(f"成功结局：{'、'.join(sc.success_outcomes)}")
    for f in sc.forbidden:
        out.append(f"全程禁止 [{f.id}]：{'、'.join(f.synonyms + f.regexes)}（{f.reason}）")
    for w, reason in sc.qc.extra_banned:
        out.append(f"场景禁用词：{w}（{reason}）")
    out.append(f"开场轮次：{sc.start}")
    for t in sc.turns:
        out.append("")
        out.append(f"【{t.id}】" + ("  （开场）" if t.id == sc.start else ""))
        for w in t.wordings:
            out.append(f"  顾客：{w}")
        for w in t.impatient_wordings:
            out.append(f"  顾客（不耐烦）：{w}")
        for kp in t.key_points:
            words = "、".join(kp.synonyms + kp.regexes)
            out.append(f"  要点 {kp.id}（权重 {kp.weight:g}）：{words}")
            out.append(f"      {kp.feedback}")
            if kp.better:
                out.append(f"      参考话术：{kp.better}")
        for f in t.forbidden:
            out.append(f"  禁止 [{f.id}]：{'、'.join(f.synonyms + f.regexes)}（{f.reason}）")
        out.append(
            f"  覆盖要点（≥{t.pass_ratio:.0%}）{target(t.on_covered)}；未覆盖 {target(t.on_missed)}；"
            f"违规 {target(t.forbidden_target)}"
        )
    return out


def cmd_roleplay_show(ctx: Context) -> int:
    record = ctx.services.roleplay.scenario_record(ctx.actor(), ctx.args.scenario)
    if ctx.args.json:
        _print_json({**record.definition.to_dict(), "version": record.version})
    else:
        print("\n".join(_scenario_text(record.definition, record.version)))
    return EXIT_OK


def cmd_roleplay_validate(ctx: Context) -> int:
    """Every problem of a scenario file or folder as ``file:line: message``; exit 1 on any error."""
    from cstrainer.formats.scenario_file import validate_scenario_path

    path = Path(ctx.args.path)
    if not path.exists():
        raise CliError(f"找不到文件或文件夹 {path}")
    issues = validate_scenario_path(path)
    for issue in issues:
        print(str(issue))
    errors = sum(1 for i in issues if i.is_error)
    warnings = len(issues) - errors
    if errors:
        print(f"{path}：{errors} 处错误，{warnings} 处提示", file=sys.stderr)
        return EXIT_FAILED
    print(f"{path}：校验通过" + (f"（{warnings} 处提示）" if warnings else ""))
    return EXIT_OK


def read_replies(path: Path) -> list[tuple[str, float]]:
    """The agent's replies for ``roleplay run``: a JSON or YAML list of {text, seconds} (or a
    mapping with such a list under ``replies``). Problems raise CliError naming file and line."""
    from cstrainer.formats.yaml_lines import PositionMap, YamlSyntaxError, load_with_positions

    if not path.is_file():
        raise CliError(f"找不到回复文件 {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}：不是 UTF-8 文本文件（第 {exc.start} 个字节无法解码）") from exc
    except OSError as exc:
        raise CliError(f"无法读取 {path}：{exc.strerror or exc}") from exc
    positions = PositionMap()
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"{path}:{exc.lineno}: JSON 格式错误（第 {exc.colno} 列）：{exc.msg}") from exc
        # Valid JSON that PyYAML cannot read (rare): errors then come without lines.
        with contextlib.suppress(YamlSyntaxError):
            _, positions = load_with_positions(text)
    else:
        try:
            data, positions = load_with_positions(text)
        except YamlSyntaxError as exc:
            where = f"{path}:{exc.line}" if exc.line else str(path)
            raise CliError(f"{where}: {exc.message}") from exc

    def at(*p: str | int) -> str:
        pos = positions.value(p)
        return f"{path}:{pos.line}" if pos else str(path)

    base: tuple[str | int, ...] = ()
    if isinstance(data, dict) and "replies" in data:
        data, base = data["replies"], ("replies",)
    if not isinstance(data, list):
        raise CliError(f"{at(*base)}: 回复文件应为列表，每项形如 {{text: 回复内容, seconds: 响应秒数}}")
    if not data:
        raise CliError(f"{at(*base)}: 回复列表是空的")
    out: list[tuple[str, float]] = []
    for i, item in enumerate(data):
        where = at(*base, i)
        if not isinstance(item, dict):
            raise CliError(f"{where}: 第 {i + 1} 条回复应为 {{text, seconds}} 映射")
        unknown = sorted(str(k) for k in item if k not in ("text", "seconds"))
        if unknown:
            raise CliError(f"{at(*base, i, unknown[0])}: 第 {i + 1} 条回复有未知字段 {'、'.join(unknown)}")
        reply = item.get("text")
        if not isinstance(reply, str) or not reply.strip():
            raise CliError(f"{at(*base, i, 'text')}: 第 {i + 1} 条回复缺少 text（回复内容，非空文字）")
        seconds = item.get("seconds")
        if "seconds" not in item:
            raise CliError(f"{where}: 第 {i + 1} 条回复缺少 seconds（响应用时，秒）")
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise CliError(f"{at(*base, i, 'seconds')}: 第 {i + 1} 条回复的 seconds 应为不小于 0 的秒数")
        out.append((reply, float(seconds)))
    return out


def _fmt_seconds(v: Any) -> str:
    return "-" if v is None else f"{float(v):.1f} 秒"


def _scorecard_text(result: Any) -> list[str]:
    card = result.scorecard
    out = [f"场景：{result.scenario.title}（{result.scenario.key}）  种子 {result.seed}", ""]
    name = result.scenario.display_name
    agent_no = 0
    for e in result.transcript:
        if e.role == "customer":
            out.append(f"【{name}】{e.text}")
        elif e.role == "agent":
            agent_no += 1
            out.append(f"【客服 #{agent_no}，{e.seconds:.1f} 秒】{e.text}")
        else:
            out.append(f"（{e.text}）")
    out.append("")
    if result.unused_replies:
        out.append(f"对话已结束，后面 {result.unused_replies} 条回复没有用到")
    outcome = result.outcome or "未结束"
    out.append(f"结局：{outcome}（{'达成目标' if card.success else '未达成目标'}）")
    out.append(f"总分：{card.score} / 100")
    for dim, value in card.dimensions.items():
        bar = "■" * (int(value) // 10)
        out.append(f"  {dim:<4} {int(value):>3}  {bar}")
    replies = len(card.replies)
    out.append(
        f"答问比 {card.answer_ratio:.2f}  平均响应 {_fmt_seconds(card.avg_seconds)}  "
        f"最慢 {_fmt_seconds(card.slowest_seconds)}  时限内回复 {card.within_target}/{replies}"
    )
    out.append("")
    out.append("逐条点评：")
    for i, r in enumerate(card.replies, 1):
        parts = []
        if r.key_points_hit:
            parts.append(f"命中 {'、'.join(r.key_points_hit)}")
        if r.key_points_missed:
            parts.append(f"漏掉 {'、'.join(r.key_points_missed)}")
        for b in r.banned:
            parts.append(f"违禁词“{_get_field(b, 'word')}”（{_get_field(b, 'reason')}）")
        for f in r.forbidden:
            parts.append(
                f"禁止话术“{_get_field(f, 'word') or _get_field(f, 'id')}”（{_get_field(f, 'reason')}）"
            )
        parts.extend(r.flags)
        out.append(
            f"  第 {i} 条（{r.seconds:.1f} 秒，{r.points:.1f}/{r.max_points:.1f} 分）：{'；'.join(parts) or '良好'}"
        )
        for line in r.explanation:
            out.append(f"      {line}")
    if card.missed:
        out.append("")
        out.append("没做到的要点和参考话术：")
        for m in card.missed:
            out.append(f"  - [{m.turn_id}] {m.key_point_id}：{m.feedback}")
            if m.better:
                out.append(f"      参考：{m.better}")
    return out


def _get_field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def cmd_roleplay_run(ctx: Context) -> int:
    a = ctx.args
    replies = read_replies(Path(a.replies))
    actor = ctx.actor()
    if a.save and actor.user_id is None:
        raise CliError("--save 会把这次练习记到某个人名下：请同时用 --user LOGIN 登录")
    result = ctx.services.roleplay.simulate(actor, a.scenario, replies, seed=a.seed, save=a.save)
    if a.json:
        _print_json(_jsonable(result.to_json()))
    else:
        print("\n".join(_scorecard_text(result)))
        if result.session_id is not None:
            print(f"\n已保存为练习记录 #{result.session_id}")
    return EXIT_OK


def cmd_report(ctx: Context) -> int:
    """`report (agent LOGIN | team TEAM) --period day|week|month [--date D] --out FILE.xlsx|FILE.pdf`."""
    from datetime import date as date_cls

    from cstrainer.services.reports import write_report

    a = ctx.args
    out = Path(a.out)
    if out.suffix.lower() not in (".xlsx", ".pdf"):
        raise CliError("--out 的文件名需以 .xlsx 或 .pdf 结尾")
    try:
        day = date_cls.fromisoformat(a.date) if a.date else None
    except ValueError as exc:
        raise CliError(f"--date 需为 YYYY-MM-DD 格式：{a.date}") from exc
    report = ctx.services.analytics.report(ctx.actor(), (a.report_scope, a.who), a.period, day)
    write_report(report, out)
    print(f"已生成{report.title}（{report.period_label}）：{out}")
    return EXIT_OK


def cmd_demo_data(ctx: Context) -> int:
    from cstrainer.services.demo_data import generate

    a = ctx.args
    summary = generate(
        ctx.services.db,
        ctx.actor(),
        agents=a.agents,
        days=a.days,
        seed=a.seed,
        progress=lambda m: print(m, file=sys.stderr),
    )
    if a.json:
        from dataclasses import asdict

        _print_json(asdict(summary))
    else:
        print(
            f"已生成演示数据：{summary.people} 名客服、{summary.trainers} 名培训师，"
            f"考试 {summary.exam_attempts} 次（答题 {summary.answers} 道），对话练习 {summary.sessions} 次，"
            f"话术练习 {summary.drills} 次，晋级 {summary.promotions} 次（{summary.seconds} 秒）；"
            f"演示账号 demo001 起，密码 demo1234"
        )
    return EXIT_OK


# --- audit log ---------------------------------------------------------------------------------


def _audit_day(value: str | None, option: str, *, end: bool = False) -> Any:
    """A local calendar day as an aware datetime: its start, or with ``end`` the next day's start."""
    from datetime import date, datetime, timedelta

    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"{option} 需为 YYYY-MM-DD 格式的日期，收到“{value}”") from exc
    if end:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day).astimezone()


def _audit_query(a: argparse.Namespace, limit: int = 200, offset: int = 0) -> Any:
    from cstrainer.services.audit import AuditQuery

    since = _audit_day(a.since, "--since")
    until = _audit_day(a.until, "--until", end=True)
    if since is not None and until is not None and until <= since:
        raise CliError(f"--until（{a.until}）早于 --since（{a.since}）")
    return AuditQuery(
        since=since, until=until, actor_login=a.who, action=a.action, text=a.text, limit=limit, offset=offset
    )


def cmd_audit_list(ctx: Context) -> int:
    a = ctx.args
    page = ctx.services.audit.query(ctx.actor(), _audit_query(a, a.limit, a.offset))
    if a.json:
        _print_json(
            {"total": page.total, "offset": page.offset, "entries": [r.to_json() for r in page.records]}
        )
        return EXIT_OK
    if not page.records:
        print("没有符合条件的操作记录")
        return EXIT_OK
    for r in page.records:
        target = f"{r.entity}:{r.entity_key}" if r.entity_key else r.entity
        print(
            f"{r.at.astimezone():%Y-%m-%d %H:%M:%S}  {r.actor_login:<12} {r.action_label}（{r.action}）  {target}"
        )
        if r.detail:
            print(f"    {r.detail_text}")
    shown = page.offset + len(page.records)
    more = f"；用 --offset {shown} 查看后面的记录" if shown < page.total else ""
    print(f"共 {page.total} 条，显示第 {page.offset + 1}-{shown} 条{more}")
    return EXIT_OK


def cmd_audit_export(ctx: Context) -> int:
    a = ctx.args
    out = Path(a.out)
    if out.suffix.lower() != ".csv":
        raise CliError(f"--out 需为 .csv 文件：{out}")
    n = ctx.services.audit.export_csv(ctx.actor(), out, _audit_query(a))
    print(f"已导出 {n} 条操作记录到 {out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="cstrainer",
        description="客服训练营：电商客服培训（考试、对话模拟、话术库、产品手册）。",
        epilog="数据库：--db URL，或环境变量 CSTRAINER_DB_URL，或设置文件（图形界面的“数据库设置”）；"
        "都没有时是用户数据目录中的 SQLite 文件。",
    )
    p.add_argument("--version", action="version", version=f"cstrainer {__version__}")
    p.add_argument(
        "--db",
        metavar="URL",
        help="数据库地址，如 sqlite:///path.sqlite 或 postgresql+psycopg://user:pw@host/db",
    )
    p.add_argument("--debug", action="store_true", help="详细日志（同时输出到终端）")
    p.add_argument(
        "--user", metavar="LOGIN", help="以此账号身份执行（密码取自 CSTRAINER_PASSWORD 或提示输入）"
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def add(parent: Any, name: str, func: Callable[[Context], int], help_: str) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = parent.add_parser(name, help=help_, description=help_)
        sp.set_defaults(func=func)
        return sp

    add(sub, "gui", cmd_gui, "启动图形界面（与 python main.py 相同）")

    db = sub.add_parser(
        "db", help="数据库：初始化、信息、备份、恢复", description="数据库：初始化、信息、备份、恢复"
    )
    dbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    add(dbs, "init", cmd_db_init, "创建数据库或升级到最新结构")
    sp = add(dbs, "info", cmd_db_info, "显示数据库位置、结构版本和内容数量")
    sp.add_argument("--json", action="store_true")
    sp = add(
        dbs,
        "backup",
        cmd_db_backup,
        "在线备份 SQLite 数据库到 PATH（文件或文件夹）；--auto：距上次自动备份满 24 小时才备份（供计划任务使用）",
    )
    sp.add_argument("path", metavar="PATH", nargs="?")
    sp.add_argument("--auto", action="store_true", help="自动备份：写入备份文件夹、校验，并只保留最近 N 份")
    sp.add_argument(
        "--keep", type=int, metavar="N", help="自动备份保留份数（默认取设置文件中的 backup_keep，即 7）"
    )
    sp = add(dbs, "backups", cmd_db_backups, "列出备份文件夹中的备份（时间、类型、大小、结构版本）")
    sp.add_argument("--json", action="store_true")
    sp = add(
        dbs,
        "restore",
        cmd_db_restore,
        "用备份 PATH（文件，或 db backups 列出的文件名）恢复数据库：先校验，原库另存，恢复后逐表核对行数",
    )
    sp.add_argument("path", metavar="PATH")

    user = sub.add_parser(
        "user", help="账号：添加、列表、改密码、停用", description="账号：添加、列表、改密码、停用"
    )
    us = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    sp = add(us, "add", cmd_user_add, "添加账号")
    sp.add_argument("login", metavar="LOGIN")
    sp.add_argument("--name", required=True, help="姓名")
    sp.add_argument("--role", required=True, help="trainee|agent|trainer|manager（或 新人|客服|培训师|主管）")
    sp.add_argument("--team", help="小组编号")
    sp.add_argument("--brand", action="append", help="品牌编号（可重复）")
    g = sp.add_mutually_exclusive_group()
    g.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    g.add_argument("--no-password", action="store_true", help="先不设密码（之后用 user passwd 设置）")
    sp = add(us, "list", cmd_user_list, "列出账号")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--all", action="store_true", help="包括已停用的账号")
    sp = add(us, "passwd", cmd_user_passwd, "设置或重设密码")
    sp.add_argument("login", metavar="LOGIN")
    sp.add_argument("--password-stdin", action="store_true", help="从标准输入读取新密码")
    for name, func, text in (
        ("disable", cmd_user_disable, "停用账号"),
        ("enable", cmd_user_enable, "重新启用账号"),
        ("unlock", cmd_user_unlock, "解除密码错误锁定"),
    ):
        sp = add(us, name, func, text)
        sp.add_argument("login", metavar="LOGIN")
    sp = add(us, "history", cmd_user_history, "登录记录")
    sp.add_argument("login", metavar="LOGIN", nargs="?")
    sp.add_argument("--json", action="store_true")

    content = sub.add_parser(
        "content", help="内容包：导入、导出、统计", description="内容包：导入、导出、统计"
    )
    cs = content.add_subparsers(dest="content_command", metavar="ACTION", required=True)
    sp = add(cs, "import", cmd_content_import, "导入内容包（YAML 文件或文件夹；全部有效才写入）")
    sp.add_argument("paths", metavar="PATH", nargs="+")
    sp.add_argument("--dry-run", action="store_true", help="只预览将新增和更新的内容，不写入")
    sp.add_argument("--json", action="store_true")
    sp.add_argument(
        "--demo", action="store_true", help="同时导入演示包（演示账号，密码公开，仅用于演示数据库）"
    )
    sp = add(cs, "export", cmd_content_export, "把数据库中的内容导出为内容包文件夹 PATH")
    sp.add_argument("path", metavar="PATH")
    sp = add(cs, "stats", cmd_content_stats, "各类内容的数量")
    sp.add_argument("--json", action="store_true")

    qs_parser = sub.add_parser(
        "questions",
        help="题库：导入、导出、模板、列表、题目分析",
        description="题库：导入、导出、模板、列表、题目分析",
    )
    qs = qs_parser.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    formats = ["auto", "xlsx", "csv", "gift", "aiken", "yaml"]
    sp = add(qs, "import", cmd_questions_import, "导入题目（xlsx、CSV、GIFT、Aiken、YAML；全部有效才写入）")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--format", choices=formats, default="auto")
    sp.add_argument(
        "--dry-run", action="store_true", help="只解析和预览，不写入（配合 --json 时不打开数据库）"
    )
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--category", help="没有写分类的题目使用此分类")
    sp.add_argument("--brand", help="没有写品牌的题目使用此品牌")
    sp = add(qs, "export", cmd_questions_export, "导出题库")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--format", choices=formats, default="auto", help="默认按文件扩展名")
    sp.add_argument("--include-retired", action="store_true", help="包括已停用的题目")
    sp = add(qs, "template", cmd_questions_template, "生成 xlsx 导入模板")
    sp.add_argument("path", metavar="PATH")
    sp = add(qs, "list", cmd_questions_list, "列出或搜索题目")
    sp.add_argument("query", nargs="?", help="搜索词（按词匹配题干、选项、解析、标签）")
    sp.add_argument("--category")
    sp.add_argument("--brand")
    sp.add_argument("--type")
    sp.add_argument("--include-retired", action="store_true")
    sp.add_argument("--json", action="store_true")
    sp = add(qs, "stats", cmd_questions_stats, "题目分析：通过率、区分度、选项分布")
    sp.add_argument("--exam", help="只统计这份试卷")
    sp.add_argument("--json", action="store_true")

    ex_parser = sub.add_parser(
        "exams", help="考试：列表、成绩、证书验证", description="考试：列表、成绩、证书验证"
    )
    ex = ex_parser.add_subparsers(dest="exams_command", metavar="ACTION", required=True)
    sp = add(ex, "list", cmd_exams_list, "列出试卷")
    sp.add_argument("--json", action="store_true")
    sp = add(ex, "results", cmd_exams_results, "某人的考试成绩，或某份试卷的全部成绩")
    sp.add_argument("login", nargs="?", metavar="LOGIN")
    sp.add_argument("--exam", help="试卷编号")
    sp.add_argument("--json", action="store_true")
    sp = add(ex, "verify", cmd_exams_verify, "验证合格证书的验证码")
    sp.add_argument("code", metavar="CODE")
    sp.add_argument("--json", action="store_true")
    sp = add(ex, "certificate", cmd_exams_certificate, "导出某次通过考试的 PDF 证书")
    sp.add_argument("attempt", metavar="ATTEMPT_ID", type=int)
    sp.add_argument("path", metavar="PATH")

    rp_parser = sub.add_parser(
        "roleplay",
        help="对话模拟：场景列表、查看、校验、按脚本试跑",
        description="对话模拟：场景列表、查看、校验、按脚本试跑",
    )
    rp = rp_parser.add_subparsers(dest="roleplay_command", metavar="ACTION", required=True)
    sp = add(rp, "list", cmd_roleplay_list, "列出对话场景")
    sp.add_argument("--stage", help="只列此阶段（售前、售中、售后）")
    sp.add_argument("--brand", help="只列此品牌（品牌编号）")
    sp.add_argument("--json", action="store_true")
    sp = add(rp, "show", cmd_roleplay_show, "显示整个场景：顾客轮次、要点和分支")
    sp.add_argument("scenario", metavar="SCENARIO_ID")
    sp.add_argument("--json", action="store_true")
    sp = add(rp, "validate", cmd_roleplay_validate, "校验场景文件（文件或文件夹），逐条列出 文件:行: 问题")
    sp.add_argument("path", metavar="PATH")
    sp = add(rp, "run", cmd_roleplay_run, "用回复脚本跑一遍场景，打印对话和评分")
    sp.add_argument("scenario", metavar="SCENARIO_ID")
    sp.add_argument(
        "--replies",
        required=True,
        metavar="FILE",
        help="JSON 或 YAML 列表，每项 {text: 回复, seconds: 响应秒数}",
    )
    sp.add_argument("--seed", type=int, default=0, help="随机种子（决定顾客说法，默认 0）")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--save", action="store_true", help="保存为练习记录（需 --user 登录）")

    ph_parser = sub.add_parser(
        "phrases",
        help="话术库：搜索、违规用语检查、版本比较与发布",
        description="话术库：搜索、违规用语检查、版本比较与发布",
    )
    ph = ph_parser.add_subparsers(dest="phrases_command", metavar="ACTION", required=True)
    sp = add(ph, "search", cmd_phrases_search, "按快捷编码、拼音首字母或词语搜索话术")
    sp.add_argument("query", metavar="QUERY")
    sp.add_argument("--limit", type=int, default=20, help="最多显示几条（默认 20）")
    sp.add_argument("--brand", help="只看此品牌（及通用）话术")
    sp.add_argument("--scene", help="只看此场景")
    sp.add_argument("--json", action="store_true")
    sp = add(ph, "lint", cmd_phrases_lint, "检查文字中的违规用语；有违规时退出码非零")
    g = sp.add_mutually_exclusive_group(required=True)
    g.add_argument("text", metavar="TEXT", nargs="?", help="要检查的文字")
    g.add_argument("--file", metavar="PATH", help="逐行检查此文件（UTF-8）")
    sp.add_argument("--json", action="store_true")
    sp = add(ph, "diff", cmd_phrases_diff, "比较两个话术版本（draft 表示当前未发布的话术库）")
    sp.add_argument("old", metavar="A")
    sp.add_argument("new", metavar="B")
    sp.add_argument("--json", action="store_true")
    sp = add(ph, "comments", cmd_phrases_comments, "查看话术的评论与建议（不给 KEY 时列出草稿中待处理的）")
    sp.add_argument("key", metavar="KEY", nargs="?", help="话术编号：列出这条话术的全部评论与建议")
    sp.add_argument("--json", action="store_true")
    sp = add(ph, "import", cmd_phrases_import, "从千牛快捷短语 CSV/xlsx 导入团队话术（全部有效才写入）")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--dry-run", action="store_true", help="只预览：新增、修改、不变和所有问题，不写入")
    sp.add_argument("--justification", help="文件含违规用语时保留的理由（记入操作日志）")
    sp.add_argument("--json", action="store_true")
    sp = add(ph, "export", cmd_phrases_export, "导出团队话术为 CSV、xlsx 或 espanso YAML")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument(
        "--format", choices=["csv", "xlsx", "espanso"], help="文件格式（默认按扩展名；.yml 为 espanso）"
    )
    sp.add_argument("--brand", help="只导出此品牌（及通用）话术")
    rel_parser = ph.add_parser(
        "release",
        help="话术版本：列表、发布、回退、导出、导入",
        description="话术版本：列表、发布、回退、导出、导入",
    )
    rel = rel_parser.add_subparsers(dest="release_command", metavar="ACTION", required=True)
    sp = add(rel, "list", cmd_phrases_release_list, "列出已发布的话术版本")
    sp.add_argument("--json", action="store_true")
    sp = add(rel, "publish", cmd_phrases_release_publish, "把当前团队话术库发布为新版本")
    sp.add_argument("version", metavar="VERSION")
    sp.add_argument("--notes", required=True, help="版本说明")
    sp = add(rel, "rollback", cmd_phrases_release_rollback, "把旧版本 OLD 的内容发布为新版本 VERSION")
    sp.add_argument("old", metavar="OLD")
    sp.add_argument("version", metavar="VERSION")
    sp.add_argument("--notes", help="版本说明（默认：回退到 OLD 的内容）")
    sp = add(rel, "export", cmd_phrases_release_export, "把话术版本导出为 zip（PATH 为文件或文件夹）")
    sp.add_argument("version", metavar="VERSION")
    sp.add_argument("path", metavar="PATH")
    sp = add(rel, "import", cmd_phrases_release_import, "导入另一台电脑导出的话术版本 zip（全部有效才写入）")
    sp.add_argument("path", metavar="PATH")

    cp_parser = sub.add_parser(
        "compliance",
        help="违禁词库：列出、导出、导入（话术检查和评分共用）",
        description="违禁词库：列出、导出、导入（话术检查和评分共用）",
    )
    cp = cp_parser.add_subparsers(dest="compliance_command", metavar="ACTION", required=True)
    sp = add(cp, "list", cmd_compliance_list, "列出违禁词规则")
    sp.add_argument("--rule", help="只看此类别（如 absolute_terms）")
    sp.add_argument("--json", action="store_true")
    sp = add(cp, "export", cmd_compliance_export, "把违禁词库导出为 YAML 文件")
    sp.add_argument("path", metavar="FILE")
    sp = add(cp, "import", cmd_compliance_import, "用 YAML 文件替换整个违禁词库（全部有效才写入）")
    sp.add_argument("path", metavar="FILE")

    hb_parser = sub.add_parser(
        "handbook",
        help="产品手册：列表、查看、搜索、导出（PDF / Markdown 文件夹）、导入",
        description="产品手册：列表、查看、搜索、导出（PDF / Markdown 文件夹）、导入",
    )
    hb = hb_parser.add_subparsers(dest="handbook_command", metavar="ACTION", required=True)
    doc_kinds = ["product", "competitor", "entry"]
    sp = add(hb, "list", cmd_handbook_list, "列出手册：商品、竞品、手册条目")
    sp.add_argument("--kind", choices=doc_kinds, help="只列此类（product 商品、competitor 竞品、entry 条目）")
    sp.add_argument("--brand", help="只列此品牌（品牌编号；空字符串表示通用）")
    sp.add_argument("--json", action="store_true")
    sp = add(hb, "show", cmd_handbook_show, "以 Markdown 显示一篇手册")
    sp.add_argument("kind", metavar="KIND", choices=doc_kinds, help="product、competitor 或 entry")
    sp.add_argument("key", metavar="KEY")
    sp.add_argument("--json", action="store_true")
    sp = add(hb, "search", cmd_handbook_search, "全文搜索手册（按词匹配，命中处用【】标出）")
    sp.add_argument("query", metavar="QUERY")
    sp.add_argument("--limit", type=int, default=20, help="最多显示几篇（默认 20）")
    sp.add_argument("--json", action="store_true")
    sp = add(hb, "export", cmd_handbook_export, "导出手册为 PDF（打印用）或 Markdown 文件夹（编辑后可导回）")
    g = sp.add_mutually_exclusive_group(required=True)
    g.add_argument("--pdf", metavar="FILE", help="写成 PDF 文件")
    g.add_argument("--markdown", metavar="DIR", help="写成 Markdown 文件夹（每篇一个文件）")
    sp.add_argument("--brand", help="只导出此品牌（及通用）的手册")
    sp = add(hb, "import", cmd_handbook_import, "从 Markdown 文件夹导入手册（全部有效才写入）")
    sp.add_argument("path", metavar="DIR")
    sp.add_argument("--dry-run", action="store_true", help="只预览：新增、修改、不变和所有问题，不写入")
    sp.add_argument("--note", help="版本说明（记入每篇手册的修改历史）")
    sp.add_argument("--json", action="store_true")
    rep = sub.add_parser(
        "report",
        help="日报、周报、月报（个人或团队），写成 xlsx 或 PDF",
        description="日报、周报、月报（个人或团队），写成 xlsx 或 PDF",
    )
    reps = rep.add_subparsers(dest="report_scope", metavar="SCOPE", required=True)
    for scope, meta, help_ in (
        ("agent", "LOGIN", "个人报表：LOGIN 的考试、对话练习、话术练习与薄弱点"),
        ("team", "TEAM", "团队报表：TEAM 为团队编号或名称，all 表示全部"),
    ):
        sp = add(reps, scope, cmd_report, help_)
        sp.add_argument("who", metavar=meta)
        sp.add_argument(
            "--period", required=True, choices=["day", "week", "month"], help="日、ISO 周或自然月"
        )
        sp.add_argument("--date", metavar="D", help="报表所在的日期 YYYY-MM-DD（默认今天，本地时间）")
        sp.add_argument("--out", required=True, metavar="FILE", help="输出文件：.xlsx 或 .pdf")
    au_parser = sub.add_parser(
        "audit",
        help="操作日志：查看、导出 CSV（仅主管）",
        description="操作日志：内容修改、发布、晋级、改分、账号和数据库操作的记录（仅主管可看）",
    )
    au = au_parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    for name, func, text in (
        ("list", cmd_audit_list, "按条件列出操作记录（最新的在前）"),
        ("export", cmd_audit_export, "把符合条件的全部操作记录导出为 CSV（Excel/WPS 可直接打开）"),
    ):
        sp = add(au, name, func, text)
        sp.add_argument("--since", metavar="DATE", help="从这一天起（YYYY-MM-DD，本地时间，含当天）")
        sp.add_argument("--until", metavar="DATE", help="到这一天止（YYYY-MM-DD，本地时间，含当天）")
        sp.add_argument("--who", metavar="LOGIN", help="只看此登录名的操作")
        sp.add_argument(
            "--action", metavar="PREFIX", help="只看此开头的操作代码，如 phrase、user.、exam.review"
        )
        sp.add_argument("--text", metavar="TEXT", help="对象编号中含有此文字（如题目编号、登录名、版本号）")
        if name == "list":
            sp.add_argument("--limit", type=int, default=50, metavar="N", help="最多显示几条（默认 50）")
            sp.add_argument("--offset", type=int, default=0, metavar="N", help="跳过前 N 条（翻页用）")
            sp.add_argument("--json", action="store_true")
        else:
            sp.add_argument("--out", required=True, metavar="FILE.csv", help="输出的 CSV 文件")
    sp = add(
        sub, "demo-data", cmd_demo_data, "向数据库写入演示用的练习历史（考试、对话练习、话术练习、晋级）"
    )
    sp.add_argument("--agents", type=int, default=40, metavar="N", help="客服人数（默认 40）")
    sp.add_argument("--days", type=int, default=60, metavar="D", help="历史天数（默认 60）")
    sp.add_argument(
        "--seed", type=int, default=7, metavar="S", help="随机种子：同一种子生成相同数据（默认 7）"
    )
    sp.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from cstrainer.logging_setup import setup_logging

    setup_logging(debug=args.debug)
    ctx = Context(args)
    try:
        return int(args.func(ctx))
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`cstrainer roleplay show X | head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        from cstrainer.services.errors import ServiceError
        from cstrainer.storage.database import DatabaseError

        if isinstance(exc, ServiceError | DatabaseError | CliError):
            print(f"错误：{exc}", file=sys.stderr)
            return EXIT_FAILED
        import logging

        logging.getLogger("cstrainer.cli").exception("command failed")
        print(f"错误：{type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
