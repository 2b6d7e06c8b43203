"""3. worker-kill: the seat reminder sweep's worker SIGKILLed mid-sweep; every reminder and e-mail once."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid

from benchmarks import stack
from benchmarks.world import complete_evidence, make_strategy

from .context import Context, DrillError, seed_world, wait_until
from .mail import DRAIN_TIMEOUT_SECONDS, SETTLE_SECONDS, check_exactly_once, delivery, drained, lost_line
from .results import DrillResult

KILL_SEATS = 2500  # three batches of the sweep (1,000 a batch)
KILL_PANEL = 50
VISIBILITY_TIMEOUT = 20
SWEEP_BATCH = 1000


def sweep_result(worker: stack.Service, task_id: str) -> str | None:
    """What the sweep task returned, once the worker has logged that it succeeded."""
    found = re.search(
        rf"Task workflows\.sweep_seat_reminders\[{re.escape(task_id)}\] succeeded in [\d.]+s: '([^']*)'", worker.log()
    )
    return found.group(1) if found else None


def drill_worker_kill(context: Context, result: DrillResult) -> None:
    from django.db import connection
    from django.utils import timezone
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from commissioning import services
    from config.celery_app import app
    from workflows.calendar import WorkingCalendar
    from workflows.models import OutboxChannel, OutboxMessage, Seat

    result.done = (
        f"the seat reminder sweep over {KILL_SEATS:,} due seats; its worker SIGKILLed mid-sweep; a new worker "
        "started (Redis hands it the killed task)"
    )
    context.redis()
    mail = context.smtp()
    today = timezone.localdate()
    calendar = WorkingCalendar()
    sweep_day = today if calendar.is_working_day(today) else calendar.add_working_days(today, 1)
    shift = (sweep_day - today).days
    context.say(
        f"seeding {KILL_SEATS:,} seats due {sweep_day:%A %-d %B %Y}"
        + (f" (the workers' clocks moved {shift} day(s) on to that working day)" if shift else "")
    )
    w = seed_world()
    strategy = make_strategy(w, reference="DRILL-PANEL", title="Panel review")
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    Seat.objects.filter(gate=gate).update(due_on=sweep_day + dt.timedelta(days=90))  # the policy's own: not due
    panel = [w.person(f"panel{i:02d}", w.county) for i in range(KILL_PANEL)]
    Seat.objects.bulk_create(
        Seat(
            gate=gate,
            round=gate.round,
            role=f"panel-{i:04d}",
            organisation=w.county,
            person=panel[i % KILL_PANEL],
            label=f"Panel member {i}",
            due_on=sweep_day,
        )
        for i in range(KILL_SEATS)
    )
    panel_seats = list(Seat.objects.filter(gate=gate, role__startswith="panel-").order_by("pk"))
    expected_keys = {
        f"seat:{seat.pk}:due:{channel}:{seat.person_id}"
        for seat in panel_seats
        for channel in (OutboxChannel.IN_APP, OutboxChannel.EMAIL)
    }
    every_5s, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.SECONDS)
    changed = PeriodicTask.objects.filter(task="workflows.deliver_outbox").update(interval=every_5s, crontab=None)
    if changed != 1:
        raise DrillError(f"expected one outbox sweep in the beat's schedule, found {changed}")

    extra = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = context.worker("worker-1", concurrency=1, shift_days=shift, **extra)
    context.beat(**extra)
    wait_until(lambda: drained(mail), timeout=60, what="the submission's messages to be delivered")

    def reminders() -> int:
        return OutboxMessage.objects.filter(template="seat_reminder").count()

    task_id = f"drill-sweep-{uuid.uuid4()}"
    app.send_task("workflows.sweep_seat_reminders", task_id=task_id)  # as the beat sends it at 07:00
    sent_at = time.monotonic()
    context.say(f"sweep sent (task {task_id}); killing the worker once its first batch has committed")
    committed = wait_until(reminders, timeout=120, what="the sweep's first batch to commit", every=0.01)
    first.kill()
    killed_at = time.monotonic()
    after_kill = reminders()
    context.say(f"worker-1 killed {killed_at - sent_at:.1f}s after the sweep was sent: {after_kill:,} reminder rows")

    def worker_sessions(name: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [f"drill-{name}"])
            return cursor.fetchone()[0]

    wait_until(lambda: worker_sessions("worker-1") == 0, timeout=30, what="worker-1's database sessions to end")
    rolled_back = reminders()
    finished_before_kill = sweep_result(first, task_id) is not None
    # Redis hands an unacknowledged task to another worker once it is older than the visibility timeout.
    time.sleep(max(0.0, VISIBILITY_TIMEOUT + 2 - (time.monotonic() - sent_at)))
    second = context.worker("worker-2", concurrency=1, shift_days=shift, **extra)
    context.say("worker-2 started; waiting for it to receive the killed sweep")
    redelivered = True
    try:
        rerun = wait_until(lambda: sweep_result(second, task_id), timeout=90, what="the killed sweep to run again")
    except DrillError:
        redelivered = False
        result.failures.append("Redis did not hand the killed sweep to the new worker within 90s")
        context.say("the killed sweep did not come back; sending it again, as the next day's beat would")
        again = f"drill-sweep-{uuid.uuid4()}"
        app.send_task("workflows.sweep_seat_reminders", task_id=again)
        rerun = wait_until(lambda: sweep_result(second, again), timeout=90, what="the re-sent sweep")
    context.say(f"the sweep ran again: {rerun}; waiting for every message to be delivered")
    drain_began = time.monotonic()
    try:
        wait_until(lambda: drained(mail), timeout=DRAIN_TIMEOUT_SECONDS, what="every message to be delivered", every=1)
    except DrillError as exc:
        result.failures.append(str(exc))
    drain_seconds = time.monotonic() - drain_began
    time.sleep(SETTLE_SECONDS)  # a repeat still on its way would be counted

    keys = list(OutboxMessage.objects.filter(template="seat_reminder").values_list("dedup_key", flat=True))
    figures = delivery(mail)
    per_batch = 2 * SWEEP_BATCH
    result.figures = {
        "seats due": len(panel_seats),
        "reminder rows expected (in-app and e-mail per seat)": len(expected_keys),
        "reminder rows seen when the worker was killed": after_kill,
        "reminder rows after its sessions ended": rolled_back,
        "seconds from the sweep being sent to the kill": round(killed_at - sent_at, 2),
        "the sweep finished before the kill": finished_before_kill,
        "redelivered by Redis to the new worker": redelivered,
        "the new worker's run": rerun,
        "reminder rows at the end": len(keys),
        "reminder rows missing": len(expected_keys - set(keys)),
        "reminder rows not expected": len(set(keys) - expected_keys),
        "seconds to deliver after the re-run": round(drain_seconds, 1),
        **figures,
    }
    result.check(committed > 0 and not finished_before_kill, "the worker was killed while the sweep ran")
    result.check(
        0 < rolled_back < len(expected_keys) and rolled_back % per_batch == 0,
        f"whole batches committed at the kill, the killed one rolled back ({rolled_back:,} rows; a batch writes "
        f"{per_batch:,})",
    )
    result.check(len(keys) == len(set(keys)) == len(expected_keys), "every reminder exists exactly once")
    result.check(set(keys) == expected_keys, "the reminders are exactly the due seats' (in-app and e-mail)")
    check_exactly_once(result, figures)
    result.lost = lost_line(figures) if set(keys) == expected_keys else "reminders missing or unexpected (see figures)"
    result.headline = (
        f"killed with {rolled_back:,}/{len(expected_keys):,} reminder rows committed; re-run by "
        f"{'Redis redelivery' if redelivered else 're-sending'} ({rerun.split(': ', 1)[-1]}); "
        f"{len(set(keys)):,} unique reminders; {figures['e-mails delivered']:,}/{figures['e-mails expected']:,} "
        f"e-mails, {figures['e-mails duplicated']} duplicated, {figures['e-mails lost']} lost; "
        f"{figures['in-app delivered']:,}/{figures['in-app messages']:,} in-app"
    )
