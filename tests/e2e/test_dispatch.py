"""Every report ends as one dispatched case: category, area, departments, deadline, or triage;
repeats join the open case; the taxonomy is re-read while serving."""

import json
import os
import shutil
import unittest
from datetime import datetime, timedelta, timezone

from confluent_kafka import Producer

from harness import ServerTestCase, find_case, produce_all, wait_until
from minsheng.v1 import case_pb2, case_service_pb2, complaint_pb2

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
CST = timezone(timedelta(hours=8))
NOW = datetime.now(CST).replace(microsecond=0)
SENSOR_TOPIC = "minsheng.intake.sensor.v1"


def order(work_order_id, content, received_at=None, **fields):
    value = {"work_order_id": work_order_id, "content": content,
             "received_at": (received_at or NOW - timedelta(hours=1)).isoformat()}
    value.update(fields)
    return (work_order_id.encode(), json.dumps(value, ensure_ascii=False).encode())


def timestamp(case_timestamp):
    return datetime.fromtimestamp(case_timestamp.seconds, CST)


class DispatchTest(ServerTestCase):
    @classmethod
    def serve_args(cls, root):
        # A copy of the shipped taxonomy, so one test can edit it while the server runs.
        cls.taxonomy = os.path.join(root, "taxonomy.yaml")
        shutil.copy(os.path.join(ROOT, "deploy", "taxonomy.yaml"), cls.taxonomy)
        return ("--taxonomy", cls.taxonomy,
                "--sensor-registry", os.path.join(ROOT, "deploy", "sensors.example.csv"))

    def case_of(self, work_order_id):
        return wait_until(lambda: find_case(self.stub, work_order_id), 30,
                          f"case for {work_order_id}")

    def test_clear_complaint_is_classified_located_and_dispatched(self):
        produce_all(self.server.kafka, [order(
            "D-STALLS", "A7县泉塘街道泉星生鲜市场门口，每天早上一排流动摊贩占道摆摊卖菜，人行道"
            "完全被堵死，行人只能走机动车道，请城管来管一管。",
            caller_phone="13800001111")])
        case = self.case_of("D-STALLS")
        self.assertEqual(case.status, case_pb2.CASE_STATUS_DISPATCHED, case)
        self.assertIn(case.category_code, ("A1", "A2"))
        self.assertGreaterEqual(case.category_confidence, 0.5)
        self.assertTrue(case.category_name)
        # 五乱 in 泉塘街道: the city's rule names the street's own 城管中队 to assist.
        self.assertEqual(case.area.district.name, "A7县")
        self.assertEqual(case.area.street.name, "泉塘街道")
        self.assertIn("address text", case.area.resolved_by)
        self.assertEqual(case.lead_department, "chengguan")
        self.assertEqual(case.lead_department_name, "综合执法局（城管）")
        self.assertIn("zhongdui-430107007", case.assisting_departments)
        self.assertIn("quantang-wuluan", case.reason.routing_rule)
        self.assertIn(case.reason.classification_method, ("model", "model+keywords"))
        self.assertGreater(case.reason.model_score, 0)
        self.assertTrue(case.reason.time_limit)
        self.assertTrue(case.HasField("deadline"))
        self.assertGreater(timestamp(case.deadline), timestamp(case.complaint.received_at))
        self.assertEqual(case.report_count, 1)
        self.assertEqual(list(case.channels), [complaint_pb2.CHANNEL_HOTLINE])
        self.assertTrue(any("派单" in event.note for event in case.history), case.history)

    def test_territorial_case_is_due_in_working_days_across_national_day(self):
        # H2 (nobody owns the land) is led by the street (属地). Received on Tuesday 30 September
        # 2025 at 10:00: 1-8 October are holidays, Saturday 11 October is a working day, so
        # five working days end on Tuesday 14 October at 10:00.
        received = datetime(2025, 9, 30, 10, 0, tzinfo=CST)
        text = ("A5区洞井街道香樟路社区旁边有一块空地，开发商说归市政管，市政说归开发商，空地堆满"
                "垃圾半年了没人管，各部门互相推诿踢皮球，权属不清。")
        produce_all(self.server.kafka, [order("D-NOBODY", text, received_at=received)])
        case = self.case_of("D-NOBODY")
        self.assertEqual(case.status, case_pb2.CASE_STATUS_DISPATCHED, case)
        self.assertEqual(case.category_code, "H2")
        self.assertEqual(case.area.street.code, "430105003")
        self.assertEqual(case.lead_department, "jiedao-430105003")
        self.assertEqual(case.lead_department_name, "洞井街道办事处")
        self.assertIn("属地", case.reason.routing_rule)
        self.assertEqual(case.reason.time_limit, "5d")
        self.assertEqual(timestamp(case.deadline), datetime(2025, 10, 14, 10, 0, tzinfo=CST))

        # The same problem elsewhere, reported urgently, counts clock hours: 24 h later,
        # holiday or not.
        produce_all(self.server.kafka, [order("D-NOBODY-URGENT",
                                              text.replace("A5区洞井街道香樟路社区", "A7县泉塘街道"),
                                              received_at=received, urgency="urgent")])
        urgent = self.case_of("D-NOBODY-URGENT")
        self.assertNotEqual(urgent.case_id, case.case_id)
        self.assertEqual(urgent.area.street.code, "430107007")
        self.assertEqual(urgent.reason.time_limit, "24h")
        self.assertEqual(timestamp(urgent.deadline), received + timedelta(hours=24))

    def test_unclear_complaint_waits_for_triage(self):
        produce_all(self.server.kafka, [order("D-VAGUE", "你好，我上次说的那个事情现在怎么样了？")])
        case = self.case_of("D-VAGUE")
        self.assertEqual(case.status, case_pb2.CASE_STATUS_NEEDS_TRIAGE, case)
        self.assertEqual(case.lead_department, "")
        self.assertFalse(case.HasField("deadline"))
        self.assertTrue(case.reason.triage_reason)
        self.assertLess(case.category_confidence, 0.5)
        self.assertTrue(any("待人工分拣" in event.note for event in case.history))

    def test_repeat_reports_join_the_open_case(self):
        place = "A5区井湾子街道新天地小区东门"
        produce_all(self.server.kafka, [
            order("D-SMELL-1", f"{place}的垃圾站好几天没人清运，垃圾堆成山，臭气熏天，苍蝇乱飞。",
                  caller_phone="13900000001")])
        first = self.case_of("D-SMELL-1")
        produce_all(self.server.kafka, [
            order("D-SMELL-2", f"{place}垃圾站的垃圾好几天没清运了，堆得像山一样，臭得没法开窗。",
                  caller_phone="13900000002"),
            # The same place, another problem: a case of its own.
            order("D-SMELL-OTHER", f"{place}门口的路灯坏了一个多月，晚上黑漆漆的，老人走路摔倒了。",
                  caller_phone="13900000003")])
        second = self.case_of("D-SMELL-2")
        other = self.case_of("D-SMELL-OTHER")
        self.assertEqual(second.case_id, first.case_id)
        self.assertNotEqual(other.case_id, first.case_id)
        self.assertEqual(second.report_count, 2)
        self.assertEqual(len(second.reporters), 2)
        self.assertEqual([r.source_id for r in second.reports], ["D-SMELL-1", "D-SMELL-2"])
        self.assertIn("similarity", second.reports[1].merge_reason)
        self.assertTrue(any("并单" in event.note for event in second.history), second.history)
        self.assertEqual(other.report_count, 1)

    def test_sensor_condition_joins_the_citizen_report_of_the_same_toilet(self):
        # A citizen reports the toilet next to sensor WC-0001 (27.8600, 113.1800), ~40 m away.
        produce_all(self.server.kafka, [order(
            "D-TOILET", "五一广场东侧的公共厕所臭气熏天，好几天没人打扫了，进去根本没法呼吸。",
            received_at=NOW - timedelta(minutes=30), lat=27.8603, lon=113.1803)])
        citizen = self.case_of("D-TOILET")
        self.assertEqual(citizen.area.resolved_by, "coordinates")
        self.assertEqual(citizen.area.street.name, "井湾子街道")
        # Then the toilet's H2S sensor stays above 1 ppm for more than ten minutes.
        producer = Producer({"bootstrap.servers": self.server.kafka})
        for minutes in (20, 9):
            observed = NOW - timedelta(minutes=minutes)
            producer.produce(SENSOR_TOPIC, key=b"WC-0001", value=json.dumps(
                {"device_id": "WC-0001", "kind": "h2s", "value": 3.5, "unit": "ppm",
                 "observed_at": observed.isoformat()}).encode())
        self.assertEqual(producer.flush(30), 0)

        def sensor_case():
            try:
                return self.stub.FindCaseBySource(case_service_pb2.FindCaseBySourceRequest(
                    channel=complaint_pb2.CHANNEL_SENSOR, source_id="WC-0001"), timeout=5)
            except Exception:  # NOT_FOUND until the condition is raised
                return None

        joined = wait_until(sensor_case, 30, "the sensor's condition filed")
        self.assertEqual(joined.case_id, citizen.case_id)
        self.assertEqual(joined.report_count, 2)
        self.assertEqual(set(joined.channels),
                         {complaint_pb2.CHANNEL_HOTLINE, complaint_pb2.CHANNEL_SENSOR})

    def test_taxonomy_edits_take_effect_without_restart(self):
        text = "A4区的河道里漂满了垃圾和死鱼，河水发黑发臭，有人往河里直排污水。"
        produce_all(self.server.kafka, [order("D-RIVER-1", text)])
        before = self.case_of("D-RIVER-1")
        self.assertEqual(before.category_code, "I1")
        self.assertEqual(before.lead_department, "shengtai")
        with open(self.taxonomy, encoding="utf-8") as f:
            yaml = f.read()
        # 水利局 leads river cases from now on (it assisted before; the lead cannot also assist).
        start = yaml.index("  - code: I1\n")
        entry = yaml[start:yaml.index("\n\n", start)]
        self.assertIn("    lead: shengtai\n    assisting: [shuili, jiedao]\n", entry)
        edited = yaml.replace(entry, entry.replace(
            "    lead: shengtai\n    assisting: [shuili, jiedao]\n",
            "    lead: shuili\n    assisting: [shengtai, jiedao]\n"))
        with open(self.taxonomy + ".new", "w", encoding="utf-8") as f:
            f.write(edited)
        os.replace(self.taxonomy + ".new", self.taxonomy)

        attempt = [0]

        def routed_to_water_bureau():
            attempt[0] += 1
            work_order_id = f"D-RIVER-AFTER-{attempt[0]}"
            # Months apart, so the reports do not join each other's cases.
            produce_all(self.server.kafka, [order(
                work_order_id, text, received_at=NOW - timedelta(days=40 * attempt[0]))])
            case = self.case_of(work_order_id)
            return case if case.lead_department == "shuili" else None

        after = wait_until(routed_to_water_bureau, 60, "the edited taxonomy in force",
                           interval=0.5)
        self.assertEqual(after.category_code, "I1")


if __name__ == "__main__":
    unittest.main()
