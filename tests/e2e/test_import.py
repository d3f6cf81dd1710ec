"""`minsheng import` loads exported work orders through the intake topic, safely re-runnable."""

import json
import os
import pty
import re
import subprocess
import unittest

from harness import BINARY, ServerTestCase, TempDir, find_case, stats

MESSAGES = os.path.join(os.path.dirname(__file__), "../../../shared/data/messages.jsonl")


def run_import(*args, **kwargs):
    return subprocess.run([BINARY, "import", *args], capture_output=True, timeout=300, **kwargs)


def summary_counts(stdout):
    text = stdout.decode()
    return {name: int(count) for name, count in
            re.findall(r"^  (accepted|merged|duplicates|rejected|sent)\s+(\d+)", text, re.M)}


class ImportTest(ServerTestCase):
    def test_message_board_export_loads_once_however_often_imported(self):
        with open(MESSAGES, encoding="utf-8") as f:
            messages = [json.loads(line) for line in f]
        first = run_import(MESSAGES, "--data-dir", self.data_dir, "--preset",
                           "tipdm-message-board")
        self.assertEqual(first.returncode, 0, first.stderr.decode() + first.stdout.decode())
        counts = summary_counts(first.stdout)
        # The board repeats its hot issues: those messages join the open case of their problem.
        self.assertEqual(counts["accepted"] + counts["merged"], len(messages))
        self.assertGreater(counts["merged"], 0)
        self.assertEqual((counts["duplicates"], counts["rejected"]), (0, 0))
        again = run_import(MESSAGES, "--data-dir", self.data_dir, "--preset",
                           "tipdm-message-board")
        self.assertEqual(again.returncode, 0, again.stderr.decode())
        self.assertEqual(summary_counts(again.stdout),
                         {"accepted": 0, "merged": 0, "duplicates": len(messages), "rejected": 0})
        counters = stats(self.data_dir)["counters"]
        self.assertGreaterEqual(counters["intake.cases_opened"] + counters["intake.merged"],
                                len(messages))

        sample = messages[0]
        found = find_case(self.stub, sample["id"])
        self.assertEqual(found.complaint.content, sample["text"])
        self.assertEqual(found.complaint.title, sample["title"])
        self.assertEqual(json.loads(found.complaint.extra["user"]), sample["user"])
        self.assertEqual(found.complaint.received_utc_offset_seconds, 8 * 3600)

    def test_gb18030_csv_reports_rejects_and_repeats_by_line(self):
        rows = ("work_order_id,received_at,content,caller_phone,lat,lon\r\n"
                "CSV-1,2025-03-01T09:30:00+08:00,\"垃圾桶满了，\"\"没人清\"\"\",13800001111,27.5,113.2\r\n"
                "CSV-2,2025-03-01T09:31:00+08:00,井盖丢了,,,\r\n"
                "CSV-3,2025-03-01T09:32:00+08:00,,,,\r\n"
                "CSV-1,2025-03-01T09:30:00+08:00,重复,,,\r\n"
                "CSV-4,yesterday,路灯不亮,,,\r\n"
                "CSV-5,2025-03-01T09:33:00+08:00,太吵\r\n")
        with TempDir() as tmp:
            path = os.path.join(tmp, "orders.csv")
            with open(path, "wb") as f:
                f.write(rows.encode("gb18030"))
            result = run_import(path, "--data-dir", self.data_dir)
        self.assertEqual(result.returncode, 4, result.stderr.decode())
        out = result.stdout.decode()
        self.assertIn("(GB18030, CSV): 6 rows", out)
        self.assertEqual(summary_counts(result.stdout),
                         {"accepted": 2, "merged": 0, "duplicates": 1, "rejected": 3})
        self.assertIn("line 4: content: missing", out)
        self.assertIn("line 6: received_at:", out)
        self.assertIn("line 7: csv: 3 columns, the header has 6", out)
        found = find_case(self.stub, "CSV-1")
        self.assertEqual(found.complaint.content, '垃圾桶满了，"没人清"')
        self.assertAlmostEqual(found.complaint.location.lon, 113.2)
        self.assertEqual(found.complaint.caller_phone, "138****1111")
        self.assertIsNone(find_case(self.stub, "CSV-3"))

    def test_progress_bar_on_a_terminal(self):
        with TempDir() as tmp:
            path = os.path.join(tmp, "orders.jsonl")
            with open(path, "w") as f:
                for n in range(3000):
                    f.write(json.dumps({"work_order_id": f"TTY-{n}", "content": "x",
                                        "received_at": "2025-03-01T09:30:00Z"}) + "\n")
            controller, terminal = pty.openpty()
            result = subprocess.run([BINARY, "import", path, "--data-dir", self.data_dir],
                                    stdout=subprocess.PIPE, stderr=terminal, timeout=300)
            os.close(terminal)
            shown = b""
            while True:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
            os.close(controller)
        self.assertEqual(result.returncode, 0)
        self.assertRegex(shown.decode(), r"\[#+\.*\]\s+\d+%")
        counts = summary_counts(result.stdout)
        self.assertEqual(counts["accepted"] + counts["merged"], 3000)

    def test_without_a_broker_it_says_what_to_give(self):
        with TempDir() as empty:
            result = run_import(MESSAGES, "--data-dir", empty)
        self.assertEqual(result.returncode, 1)
        self.assertIn("--kafka-brokers", result.stderr.decode())
        usage = run_import("--format", "xml", MESSAGES)
        self.assertEqual(usage.returncode, 2)


if __name__ == "__main__":
    unittest.main()
