"""A 12345 hotline system produces work orders to Kafka and finds their cases over gRPC."""

import json
import os
import signal
import subprocess
import unittest

import grpc

from harness import (BINARY, HOTLINE, INTAKE_TOPIC, Minsheng, ServerTestCase, TempDir, case_stub,
                     find_case, produce_all, read_dead_letters, stats, wait_until, work_order)
from minsheng.v1 import case_pb2, case_service_pb2, complaint_pb2


class HotlineIntakeTest(ServerTestCase):
    def wait_for_case(self, work_order_id):
        return wait_until(lambda: find_case(self.stub, work_order_id), 30,
                          f"case of {work_order_id}")

    def test_work_order_becomes_a_case(self):
        produce_all(self.server.kafka, [(b"WO-100", work_order(
            "WO-100", title="垃圾箱没盖", caller_phone="13812348000", caller_name="张先生",
            address="长征街道铁路广场", lat=27.8, lon=113.1, urgency="紧急",
            hotline_seat="A-17", tags=["环卫", 2]))])
        found = self.wait_for_case("WO-100")
        # Received, then dispatched or left for triage (tests/e2e/test_dispatch.py has the rest).
        self.assertIn(found.status, (case_pb2.CASE_STATUS_DISPATCHED,
                                     case_pb2.CASE_STATUS_NEEDS_TRIAGE))
        self.assertRegex(found.case_id, r"^MS-20250301-H\d{8}$")
        complaint = found.complaint
        self.assertEqual(complaint.channel, HOTLINE)
        self.assertEqual(complaint.source_id, "WO-100")
        self.assertEqual(complaint.content, "小区门口垃圾箱没盖，垃圾两天没人清运，苍蝇乱飞。")
        self.assertEqual(complaint.title, "垃圾箱没盖")
        self.assertEqual(complaint.caller_name, "张先生")
        self.assertEqual(complaint.caller_phone, "138****8000")
        self.assertEqual(complaint.address, "长征街道铁路广场")
        self.assertAlmostEqual(complaint.location.lat, 27.8)
        self.assertAlmostEqual(complaint.location.lon, 113.1)
        self.assertEqual(complaint.urgency, complaint_pb2.URGENCY_URGENT)
        # 09:30 at +08:00 is 01:30 UTC.
        self.assertEqual(complaint.received_at.seconds, 1740792600)
        self.assertEqual(complaint.received_utc_offset_seconds, 8 * 3600)
        self.assertEqual(json.loads(complaint.extra["hotline_seat"]), "A-17")
        self.assertEqual(json.loads(complaint.extra["tags"]), ["环卫", 2])
        self.assertEqual(len(found.history), 2)
        self.assertEqual(found.history[0].status, case_pb2.CASE_STATUS_RECEIVED)
        self.assertEqual(found.history[1].status, found.status)
        self.assertEqual(found.source.topic, INTAKE_TOPIC)

        by_id = self.stub.GetCase(case_service_pb2.GetCaseRequest(case_id=found.case_id))
        self.assertEqual(by_id, found)

    def test_same_work_order_twice_is_one_case(self):
        produce_all(self.server.kafka, [(b"WO-200", work_order("WO-200"))])
        first = self.wait_for_case("WO-200")
        # Re-sent with another key, so it may land in another partition, and a marker behind it.
        produce_all(self.server.kafka, [(b"other-key", work_order("WO-200", content="再次提交")),
                                        (b"WO-201", work_order("WO-201"))])
        self.wait_for_case("WO-201")
        again = find_case(self.stub, "WO-200")
        self.assertEqual(again.case_id, first.case_id)
        self.assertEqual(again.complaint.content, first.complaint.content)
        self.assertGreaterEqual(stats(self.data_dir)["counters"]["intake.duplicates"], 1)

    def test_kcat_can_submit_a_work_order(self):
        subprocess.run(["kcat", "-P", "-b", self.server.kafka, "-t", INTAKE_TOPIC, "-k", "WO-300"],
                       input=work_order("WO-300"), check=True, timeout=30)
        self.assertEqual(self.wait_for_case("WO-300").complaint.source_id, "WO-300")

    def test_invalid_input_is_dead_lettered_and_processing_continues(self):
        bad = {
            b"not json at all": "not valid JSON",
            b"[1, 2]": "must be a JSON object",
            None: "not valid JSON",  # a tombstone: a record with no value at all
            work_order("", content="x"): "work_order_id: missing",
            json.dumps({"received_at": "2025-03-01T09:30:00+08:00",
                        "content": "x"}).encode(): "work_order_id: missing",
            work_order("WO-BAD-1", content=""): "content: missing",
            json.dumps({"work_order_id": 42, "received_at": "2025-03-01T09:30:00Z",
                        "content": "x"}).encode(): "work_order_id: must be a string",
            work_order("WO-BAD-2", received_at="2025-03-01 09:30"): "received_at:",
            work_order("WO-BAD-3", received_at="2025-03-01T09:30:00"): "received_at:",
            work_order("WO-BAD-4", lat=95.0, lon=113.0): "lat: out of range",
            work_order("WO-BAD-5", lat=27.0): "lon: missing",
            work_order("WO-BAD-6", urgency="asap"): "urgency: unknown value",
            work_order("WO-BAD-7", title=["x"]): "title: must be a string",
            work_order("WO-BAD-8", content="很" * 30000): "too large",
            b'{"work_order_id": "WO-BAD-9", "content": "\xff\xfe"}': "invalid UTF-8",
        }
        produce_all(self.server.kafka, [(None, value) for value in bad] +
                    [(b"WO-AFTER", work_order("WO-AFTER"))])
        self.wait_for_case("WO-AFTER")
        letters = read_dead_letters(self.server.kafka, len(bad))
        by_value = {value: headers for value, headers in letters}
        for value, reason in bad.items():
            self.assertIn(value, by_value, f"no dead letter for {(value or b'')[:60]!r}")
            headers = by_value[value]
            self.assertIn(reason, headers["minsheng.reason"])
            self.assertEqual(headers["minsheng.source.topic"], INTAKE_TOPIC)
            self.assertTrue(headers["minsheng.source.offset"].isdigit())
        for n in range(1, 10):
            self.assertIsNone(find_case(self.stub, f"WO-BAD-{n}"))

    def test_grpc_errors_name_the_field(self):
        cases = [
            (lambda: self.stub.GetCase(case_service_pb2.GetCaseRequest()),
             grpc.StatusCode.INVALID_ARGUMENT, "case_id"),
            (lambda: self.stub.GetCase(case_service_pb2.GetCaseRequest(case_id="MS-nope")),
             grpc.StatusCode.NOT_FOUND, "case_id"),
            (lambda: self.stub.FindCaseBySource(
                case_service_pb2.FindCaseBySourceRequest(source_id="WO-1")),
             grpc.StatusCode.INVALID_ARGUMENT, "channel"),
            (lambda: self.stub.FindCaseBySource(
                case_service_pb2.FindCaseBySourceRequest(channel=HOTLINE)),
             grpc.StatusCode.INVALID_ARGUMENT, "source_id"),
            (lambda: self.stub.FindCaseBySource(
                case_service_pb2.FindCaseBySourceRequest(channel=HOTLINE, source_id="nope")),
             grpc.StatusCode.NOT_FOUND, "source_id"),
        ]
        for call, code, field in cases:
            with self.assertRaises(grpc.RpcError) as raised:
                call()
            self.assertEqual(raised.exception.code(), code)
            self.assertIn(field, raised.exception.details())

    def test_health_and_reflection(self):
        check = self.channel.unary_unary("/grpc.health.v1.Health/Check")
        # HealthCheckRequest{} is empty on the wire; HealthCheckResponse{status: SERVING} is 08 01.
        self.assertEqual(check(b"", timeout=5), b"\x08\x01")
        reflect = self.channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
        # ServerReflectionRequest{list_services: ""} is field 7, an empty string.
        replies = b"".join(reflect(iter([b"\x3a\x00"]), timeout=5))
        self.assertIn(b"minsheng.v1.CaseService", replies)
        self.assertIn(b"grpc.health.v1.Health", replies)

    def test_endpoints_file_names_both_listeners(self):
        with open(os.path.join(self.data_dir, "endpoints.json")) as f:
            endpoints = json.load(f)
        self.assertRegex(endpoints["kafka_bootstrap"], r"^127\.0\.0\.1:\d+")
        self.assertRegex(endpoints["grpc"], r"^127\.0\.0\.1:\d+$")


class EmbeddedRestartTest(unittest.TestCase):
    def test_restart_with_a_fresh_embedded_broker_keeps_cases_and_takes_new_work(self):
        with TempDir() as data_dir:
            server = Minsheng("serve", data_dir, "--grpc-listen", "127.0.0.1:0")
            produce_all(server.kafka, [(b"WO-R1", work_order("WO-R1"))])
            stub, channel = case_stub(server.endpoints["grpc"])
            first = wait_until(lambda: find_case(stub, "WO-R1"), 30, "case of WO-R1")
            channel.close()
            self.assertEqual(server.stop(signal.SIGINT), 0)

            server = Minsheng("serve", data_dir, "--grpc-listen", "127.0.0.1:0")
            try:
                produce_all(server.kafka, [(b"WO-R1", work_order("WO-R1")),
                                           (b"WO-R2", work_order("WO-R2"))])
                stub, channel = case_stub(server.endpoints["grpc"])
                wait_until(lambda: find_case(stub, "WO-R2"), 30, "case of WO-R2")
                self.assertEqual(find_case(stub, "WO-R1").case_id, first.case_id)
                channel.close()
            finally:
                self.assertEqual(server.stop(), 0, server.output())
            counters = stats(data_dir)["counters"]
            self.assertEqual(counters["intake.cases_opened"], 2)
            self.assertEqual(counters["intake.duplicates"], 1)
            self.assertNotEqual(stats(data_dir)["offsets"], {})
            subprocess.run([BINARY, "forget-positions", "--data-dir", data_dir], check=True,
                           capture_output=True, timeout=60)
            self.assertEqual(stats(data_dir)["offsets"], {})
            self.assertEqual(stats(data_dir)["cases"], 2)


class ConfigurationTest(unittest.TestCase):
    def test_config_file_is_read_and_flags_win(self):
        with TempDir() as data_dir:
            config = os.path.join(data_dir, "minsheng.yaml")
            with open(config, "w") as f:
                f.write(f"data_dir: {data_dir}/ignored\ngrpc_listen: 127.0.0.1:1\n")
            server = Minsheng("serve", data_dir, "--config", config, "--grpc-listen",
                              "127.0.0.1:0")
            try:
                self.assertNotEqual(server.endpoints["grpc"], "127.0.0.1:1")
                self.assertFalse(os.path.exists(os.path.join(data_dir, "ignored")))
            finally:
                self.assertEqual(server.stop(signal.SIGINT), 0)
            self.assertFalse(os.path.exists(os.path.join(data_dir, "endpoints.json")))

    def test_busy_grpc_address_is_an_error(self):
        with TempDir() as first_dir, TempDir() as second_dir:
            first = Minsheng("serve", first_dir, "--grpc-listen", "127.0.0.1:0")
            try:
                run = subprocess.run([BINARY, "serve", "--data-dir", second_dir, "--grpc-listen",
                                      first.endpoints["grpc"]], capture_output=True, timeout=60)
                self.assertEqual(run.returncode, 1)
                self.assertIn("grpc-listen: cannot listen on", run.stderr.decode())
            finally:
                self.assertEqual(first.stop(), 0)

    def test_bad_flags_and_config_are_explained(self):
        with TempDir() as data_dir:
            config = os.path.join(data_dir, "bad.yaml")
            with open(config, "w") as f:
                f.write("grpc_port: 7120\n")
            for args, message in [(["--grpc-listen", "7120"], "grpc-listen"),
                                  (["--no-such-flag", "1"], "--no-such-flag"),
                                  (["--config", config], "unknown key grpc_port")]:
                run = subprocess.run([BINARY, "serve", "--data-dir", data_dir, *args],
                                     capture_output=True, timeout=30)
                self.assertEqual(run.returncode, 2, args)
                self.assertIn(message, run.stderr.decode())


if __name__ == "__main__":
    unittest.main()
