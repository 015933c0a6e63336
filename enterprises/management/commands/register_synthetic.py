import time

from django.core.management.base import BaseCommand, CommandError

from enterprises.services import register_load_frame
from enterprises.synthetic import synthetic_register, write_csv, write_xlsx


class Command(BaseCommand):
    help = "Make a synthetic register of Quanzhou's market entities: write it to a CSV or .xlsx file, or load it."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=10_000, help="number of entities")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", help="write to FILE.csv or FILE.xlsx (the register's import format)")
        parser.add_argument("--load", action="store_true", help="load into the database (COPY on PostgreSQL)")

    def handle(self, *args, **options):
        if not options["out"] and not options["load"]:
            raise CommandError("give --out FILE.csv|FILE.xlsx, --load, or both")
        started = time.perf_counter()
        frame = synthetic_register(options["n"], seed=options["seed"])
        self.stdout.write(f"generated {frame.height} entities in {time.perf_counter() - started:.1f}s")
        out = options["out"]
        if out:
            if out.lower().endswith(".xlsx"):
                write_xlsx(frame, out)
            elif out.lower().endswith(".csv"):
                write_csv(frame, out)
            else:
                raise CommandError("--out must end in .csv or .xlsx")
            self.stdout.write(f"written {out}")
        if options["load"]:
            started = time.perf_counter()
            register_load_frame(frame)
            self.stdout.write(f"loaded in {time.perf_counter() - started:.1f}s")
