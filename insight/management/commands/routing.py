"""``manage.py routing``: train, evaluate and apply routing models on outside data (CSV), and
retrain, activate or roll back the ledger's own models.

    routing train    --csv FILE --text COL [--text COL ...] --label COL --model PATH
    routing evaluate --csv FILE --text COL [--text COL ...] --label COL --model PATH
    routing predict  --csv FILE --text COL [--text COL ...] --model PATH --out FILE
    routing retrain  [--target category|department] [--no-activate]
    routing activate --target category|department --version N
    routing rollback --target category|department

Several --text columns are joined in the order given. Bad input (no such column, not text, an empty
row) stops with a message in Chinese and English and writes nothing; rows that are not Chinese
(Latin letters, pinyin, emoji) are read like the others and named in a note on stderr."""

import json
import os
import time

from django.core.management.base import BaseCommand, CommandError

from insight.csvio import foreign_rows, joined_texts, labels_of, read_table, write_table
from insight.errors import InsightError
from insight.router import Router
from org.actor import SYSTEM


class Command(BaseCommand):
    help = "智能分拨模型 / Routing models: train, evaluate, predict, retrain, activate, rollback"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        for name in ("train", "evaluate", "predict"):
            p = sub.add_parser(name)
            p.add_argument("--csv", required=True)
            p.add_argument("--text", action="append", required=True, help="text column; repeat to join several")
            p.add_argument("--model", required=True)
            if name == "predict":
                p.add_argument("--out", required=True)
            else:
                p.add_argument("--label", required=True)
        p = sub.add_parser("retrain")
        p.add_argument("--target", choices=("category", "department"), action="append")
        p.add_argument("--no-activate", action="store_true")
        for name in ("activate", "rollback"):
            p = sub.add_parser(name)
            p.add_argument("--target", choices=("category", "department"), required=True)
            if name == "activate":
                p.add_argument("--version", type=int, required=True)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except InsightError as e:
            raise CommandError(f"{e.zh}\n{e.en}") from e

    # -- outside data ----------------------------------------------------------------------------
    def _texts(self, table, columns: list[str]) -> list[str]:
        texts = joined_texts(table, columns)
        if note := foreign_rows(texts):
            self.stderr.write(note)
        return texts

    def do_train(self, *, csv, text, label, model, **_):
        table = read_table(csv, text_columns=text, label_column=label)
        texts, labels = self._texts(table, text), labels_of(table, label)
        started = time.perf_counter()
        router = Router().fit(texts, labels)
        seconds = time.perf_counter() - started
        router.save(model, source=os.path.basename(csv), text_columns=text, label_column=label, train_seconds=seconds)
        self.stdout.write(
            f"trained on {len(texts)} rows ({table.encoding}), {len(set(labels))} labels, {seconds:.1f} s → {model}"
        )

    def do_evaluate(self, *, csv, text, label, model, **_):
        router = Router.load(model)
        table = read_table(csv, text_columns=text, label_column=label)
        result = router.evaluate(self._texts(table, text), [row[label].strip() for row in table.rows])
        self.stdout.write(f"n          {result.n}")
        self.stdout.write(f"accuracy   {result.accuracy:.4f}")
        self.stdout.write(f"macro-F1   {result.macro_f1:.4f}")
        self.stdout.write(f"{'label':<24}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for row in result.per_label:
            self.stdout.write(
                f"{row['label']:<24}{row['precision']:>10.4f}{row['recall']:>10.4f}{row['f1']:>10.4f}{row['support']:>9}"
            )
        self.stdout.write(json.dumps(result.summary(), ensure_ascii=False))

    def do_predict(self, *, csv, text, model, out, **_):
        router = Router.load(model)
        table = read_table(csv, text_columns=text)
        predictions = router.predict(self._texts(table, text))
        header = table.header + [c for c in ("predicted", "confidence") if c not in table.header]
        rows = [
            row | {"predicted": p.label, "confidence": f"{p.confidence:.4f}"}
            for row, p in zip(table.rows, predictions, strict=True)
        ]
        write_table(out, header, rows)
        self.stdout.write(f"{len(rows)} rows → {out}")

    # -- the ledger's models ---------------------------------------------------------------------
    def do_retrain(self, *, target, no_activate, **_):
        from insight.services import routing_retrain

        for name in target or ("category", "department"):
            version = routing_retrain(target=name, actor=SYSTEM, activate=not no_activate)
            self.stdout.write(f"{name}: v{version.version} {json.dumps(version.metrics, ensure_ascii=False)}")

    def do_activate(self, *, target, version, **_):
        from insight.services import routing_activate

        chosen = routing_activate(target=target, version=version, actor=SYSTEM)
        self.stdout.write(f"{target}: v{chosen.version} active")

    def do_rollback(self, *, target, **_):
        from insight.services import routing_rollback

        chosen = routing_rollback(target=target, actor=SYSTEM)
        self.stdout.write(f"{target}: v{chosen.version} active")
