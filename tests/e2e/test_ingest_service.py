"""A hotline system that prefers RPC submits work orders with IngestService.SubmitWorkOrder."""

import unittest

import grpc

from harness import ServerTestCase, find_case, produce_all, stats, work_order
from minsheng.v1 import (case_service_pb2, complaint_pb2, ingest_service_pb2,
                         ingest_service_pb2_grpc)


def request(work_order_id, **fields):
    fields.setdefault("received_at", "2025-03-01T09:30:00+08:00")
    fields.setdefault("content", "路灯不亮，晚上走路很危险。")
    return ingest_service_pb2.SubmitWorkOrderRequest(work_order_id=work_order_id, **fields)


class IngestServiceTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ingest = ingest_service_pb2_grpc.IngestServiceStub(cls.channel)

    def submit(self, req):
        # Generous: the first submission also waits for the processor to join its group.
        return self.ingest.SubmitWorkOrder(req, timeout=20)

    def test_another_report_of_an_open_problem_gets_that_cases_ticket(self):
        place = "A7县泉塘街道泉星社区菜市场"
        first = self.submit(request(
            "RPC-MARKET-1", content=f"{place}门口的下水道堵了，污水冒出来漫到路上，臭得很。"))
        second = self.submit(request(
            "RPC-MARKET-2", content=f"{place}门口下水道又堵了，污水冒到路上，臭得不行。"))
        self.assertEqual(second.ticket, first.ticket)
        self.assertTrue(second.merged)
        self.assertFalse(second.duplicate)
        self.assertFalse(first.merged)
        again = self.submit(request(
            "RPC-MARKET-2", content=f"{place}门口下水道又堵了，污水冒到路上，臭得不行。"))
        self.assertEqual(again.ticket, first.ticket)
        self.assertTrue(again.duplicate)

    def test_submission_answers_with_the_ticket_of_its_case(self):
        reply = self.submit(request(
            "RPC-1", title="路灯", caller_phone="13912345678",
            location=complaint_pb2.GeoPoint(lat=27.8, lon=113.1),
            urgency=complaint_pb2.URGENCY_URGENT, extra={"seat": '"B-3"', "priority": "2"}))
        self.assertRegex(reply.ticket, r"^MS-20250301-H\d{8}$")
        self.assertFalse(reply.duplicate)
        found = self.stub.GetCase(case_service_pb2.GetCaseRequest(case_id=reply.ticket))
        self.assertEqual(found.complaint.source_id, "RPC-1")
        self.assertEqual(found.complaint.caller_phone, "139****5678")
        self.assertEqual(found.complaint.urgency, complaint_pb2.URGENCY_URGENT)
        self.assertAlmostEqual(found.complaint.location.lat, 27.8)
        self.assertEqual(found.complaint.extra["seat"], '"B-3"')
        self.assertEqual(found, find_case(self.stub, "RPC-1"))

    def test_same_work_order_twice_gets_the_same_ticket(self):
        first = self.submit(request("RPC-2"))
        again = self.submit(request("RPC-2", content="第二次提交"))
        self.assertEqual(again.ticket, first.ticket)
        self.assertTrue(again.duplicate)
        self.assertEqual(find_case(self.stub, "RPC-2").complaint.content,
                         "路灯不亮，晚上走路很危险。")

    def test_work_order_sent_to_kafka_first_is_a_duplicate_over_grpc(self):
        produce_all(self.server.kafka, [(b"RPC-3", work_order("RPC-3"))])
        first = self.submit(request("RPC-4"))  # waits for the processor, which took RPC-3 first
        self.assertFalse(first.duplicate)
        reply = self.submit(request("RPC-3"))
        self.assertTrue(reply.duplicate)
        self.assertEqual(reply.ticket, find_case(self.stub, "RPC-3").case_id)

    def test_intake_outcomes_name_the_case_or_say_pending(self):
        ticket = self.submit(request("RPC-5")).ticket
        found = find_case(self.stub, "RPC-5")
        record = ingest_service_pb2.IntakeRecord(topic=found.source.topic,
                                                 partition=found.source.partition,
                                                 offset=found.source.offset)
        unknown = ingest_service_pb2.IntakeRecord(topic=found.source.topic, partition=0,
                                                  offset=10**12)
        reply = self.ingest.GetIntakeOutcomes(
            ingest_service_pb2.GetIntakeOutcomesRequest(records=[record, unknown]), timeout=10)
        kinds = [o.kind for o in reply.outcomes]
        self.assertEqual(kinds, [ingest_service_pb2.IntakeOutcome.KIND_OPENED,
                                 ingest_service_pb2.IntakeOutcome.KIND_PENDING])
        self.assertEqual(reply.outcomes[0].case_id, ticket)
        with self.assertRaises(grpc.RpcError) as raised:
            self.ingest.GetIntakeOutcomes(ingest_service_pb2.GetIntakeOutcomesRequest(
                records=[unknown] * 10001), timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("records", raised.exception.details())

    def test_invalid_fields_are_named_and_nothing_is_written(self):
        before = stats(self.data_dir)["offsets"]
        for req, field in [
            (request(""), "work_order_id"),
            (request("RPC-X", content=""), "content"),
            (request("RPC-X", received_at="2025-03-01 09:30"), "received_at"),
            (request("RPC-X", received_at=""), "received_at"),
            (request("RPC-X", location=complaint_pb2.GeoPoint(lat=91, lon=0)), "lat"),
            (request("RPC-X", extra={"seat": "B-3"}), "extra.seat"),
            (request("RPC-X", content="长" * 30000), "work_order"),
        ]:
            with self.assertRaises(grpc.RpcError) as raised:
                self.submit(req)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertTrue(raised.exception.details().startswith(field),
                            raised.exception.details())
        self.assertIsNone(find_case(self.stub, "RPC-X"))
        self.assertEqual(stats(self.data_dir)["offsets"], before)


if __name__ == "__main__":
    unittest.main()
