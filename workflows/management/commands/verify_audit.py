"""Check the audit trail's hash chains: every event's content against its hash, every link, every chain's head."""

from django.core.management.base import BaseCommand, CommandError

from workflows.trail import published_heads, verify_trail
from workflows.trail.verify import BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Walk every chain of the audit trail in id order, in batches, and report the first break (which event, and "
        "whether its content changed, a link is broken or events are missing). Exits 1 on a break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"events read at a time ({BATCH_SIZE})")
        parser.add_argument("--breaks", type=int, default=20, help="how many breaks to list at most (default 20)")
        parser.add_argument("--progress", action="store_true", help="print a line every 100,000 events")
        parser.add_argument("--root", action="store_true", help="print the root hash over every chain's head too")

    def handle(self, *args, batch_size=BATCH_SIZE, breaks=20, progress=False, root=False, **options):
        def step(report):
            if progress and report.events % 100_000 < batch_size:
                self.stdout.write(f"  {report.events:,} events checked")

        report = verify_trail(batch_size=batch_size, keep=breaks, progress=step)
        rate = f", {report.events / report.seconds:,.0f} events/s" if report.seconds else ""
        self.stdout.write(
            f"Checked {report.events:,} events on {report.chains:,} chains in {report.seconds:.2f} s{rate} "
            f"({report.batches:,} batches of up to {batch_size:,}); peak memory {report.peak_rss_mb:.0f} MB "
            f"(resident before the walk {report.rss_before_mb:.0f} MB)."
        )
        if root:
            heads = published_heads()
            self.stdout.write(f"Root over {heads['chains_count']:,} chain heads: {heads['root']} ({heads['as_of']})")
        if report.ok:
            self.stdout.write(self.style.SUCCESS("The audit trail is intact: every chain verifies."))
            return
        total = len(report.breaks) + report.more_breaks
        first = report.breaks[0]
        self.stdout.write(self.style.ERROR(f"First break: {first}"))
        for found in report.breaks[1:]:
            self.stdout.write(f"  then: {found}")
        if report.more_breaks:
            self.stdout.write(f"  and {report.more_breaks:,} more.")
        where = f"event #{first.event_id}" if first.event_id is not None else f"the end of chain {first.chain}"
        raise CommandError(
            f"The audit trail is broken: {total:,} break{'s' if total != 1 else ''}, the first at {where}."
        )
