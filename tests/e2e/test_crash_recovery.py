"""Kill -9 and SIGTERM in the middle of a stream: every work order ends up in exactly one case,
its own or, as a near-duplicate of an open one (real texts repeat), that case.

The broker runs in its own process (`minsheng kafka`) so the topic outlives the killed server."""

import json
import os
import threading
import time
import unittest

from harness import Minsheng, TempDir, case_stub, find_case, make_producer, stats, wait_until
from harness import INTAKE_TOPIC

ORDERS = 10_000
RESENT_EVERY = 100    # every 100th order is sent twice: 100 duplicates
INVALID_EVERY = 500   # after every 500th order, one invalid record: 20 dead letters
RATE_PER_SECOND = 400  # slow enough that both restarts land mid-stream
MESSAGES = os.path.join(os.path.dirname(__file__), "../../../shared/data/messages.jsonl")


def citizen_texts():
    """Real citizen messages when ../shared/data is present, else a few fixed ones."""
    try:
        with open(MESSAGES, encoding="utf-8") as f:
            return [json.loads(line)["text"] for line in f][:2000]
    except FileNotFoundError:
        return ["小区门口垃圾箱没盖，垃圾两天没人清运。", "夜市烧烤摊占道经营，吵到凌晨。"]


def order_id(n):
    return f"WO-CRASH-{n:05d}"


class StreamProducer(threading.Thread):
    """Produces the stream at a steady rate, as a hotline system would while minsheng restarts."""

    def __init__(self, bootstrap):
        super().__init__(daemon=True)
        self.bootstrap = bootstrap
        self.sent = 0
        self.records = 0
        self.failures = []

    def run(self):
        producer = make_producer(self.bootstrap)
        texts = citizen_texts()
        start = time.monotonic()

        def send(key, value):
            while True:
                try:
                    producer.produce(INTAKE_TOPIC, key=key, value=value,
                                     on_delivery=self.delivered)
                    self.records += 1
                    return
                except BufferError:
                    producer.poll(0.05)

        for n in range(ORDERS):
            order = {"work_order_id": order_id(n), "received_at": "2025-03-01T09:30:00+08:00",
                     "content": texts[n % len(texts)], "caller_phone": f"139{n:08d}"}
            value = json.dumps(order, ensure_ascii=False).encode()
            send(order_id(n).encode(), value)
            if n % RESENT_EVERY == 0:
                send(order_id(n).encode(), value)
            if n % INVALID_EVERY == 0:
                send(b"bad", b'{"work_order_id": "broken"')
            self.sent = n + 1
            producer.poll(0)
            ahead = (n + 1) / RATE_PER_SECOND - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)  # pacing the producer, not synchronising the test
        if producer.flush(60) != 0:
            self.failures.append("flush timed out")

    def delivered(self, err, _msg):
        if err is not None:
            self.failures.append(str(err))


class CrashRecoveryTest(unittest.TestCase):
    def test_kill_and_restart_mid_stream_leaves_exactly_one_case_per_work_order(self):
        with TempDir() as root:
            broker = Minsheng("kafka", os.path.join(root, "broker"))
            data_dir = os.path.join(root, "server")
            serve_args = ("--kafka-brokers", broker.kafka, "--grpc-listen", "127.0.0.1:0")
            try:
                stream = StreamProducer(broker.kafka)
                stream.start()

                server = Minsheng("serve", data_dir, *serve_args)
                stub, channel = case_stub(server.endpoints["grpc"])
                wait_until(lambda: find_case(stub, order_id(1500)), 60, "case of order 1500")
                channel.close()
                self.assertEqual(server.kill(), -9)
                self.assertLess(stream.sent, ORDERS, "the stream ended before the kill")

                server = Minsheng("serve", data_dir, *serve_args)
                stub, channel = case_stub(server.endpoints["grpc"])
                wait_until(lambda: find_case(stub, order_id(6000)), 120, "case of order 6000")
                channel.close()
                self.assertEqual(server.stop(), 0, server.output())
                self.assertLess(stream.sent, ORDERS, "the stream ended before the SIGTERM")

                server = Minsheng("serve", data_dir, *serve_args)
                stream.join(120)
                self.assertFalse(stream.is_alive())
                self.assertEqual(stream.failures, [])
                expected_records = ORDERS + ORDERS // RESENT_EVERY + ORDERS // INVALID_EVERY
                self.assertEqual(stream.records, expected_records)

                def all_consumed():
                    counters = stats(data_dir)["counters"]
                    done = sum(counters.get(k, 0) for k in (
                        "intake.cases_opened", "intake.merged", "intake.duplicates",
                        "intake.rejected"))
                    return done >= expected_records

                wait_until(all_consumed, 120, "every record consumed", interval=0.5)

                stub, channel = case_stub(server.endpoints["grpc"])
                reports = {}  # case id -> its reports' work order ids
                for n in range(ORDERS):
                    found = find_case(stub, order_id(n))
                    self.assertIsNotNone(found, f"no case for {order_id(n)}")
                    sources = [r.source_id for r in found.reports]
                    self.assertEqual(sources.count(order_id(n)), 1, found.case_id)
                    self.assertEqual(found.report_count, len(sources))
                    reports[found.case_id] = sources
                channel.close()
                self.assertEqual(server.stop(), 0, server.output())

                # Each work order is a report of exactly one case, and of no other.
                self.assertEqual(sum(len(s) for s in reports.values()), ORDERS)
                final = stats(data_dir)
                self.assertEqual(final["cases"], len(reports))
                self.assertEqual(final["counters"]["intake.cases_opened"], len(reports))
                self.assertEqual(final["counters"].get("intake.merged", 0), ORDERS - len(reports))
                self.assertEqual(final["counters"]["intake.duplicates"], ORDERS // RESENT_EVERY)
                self.assertEqual(final["counters"]["intake.rejected"], ORDERS // INVALID_EVERY)
            finally:
                broker.stop()


if __name__ == "__main__":
    unittest.main()
