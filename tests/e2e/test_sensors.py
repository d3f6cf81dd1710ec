"""Sensor gateways publish readings over MQTT (Debian's mosquitto) or Kafka; conditions become cases."""

import json
import os
import socket
import subprocess
import unittest
from datetime import datetime, timedelta, timezone

from confluent_kafka import Producer

from harness import ServerTestCase, read_dead_letters, stats, wait_until
from minsheng.v1 import case_service_pb2, complaint_pb2

REGISTRY = """device_id,kind,lat,lon,site
BIN-0001,bin_fill,27.8301,113.1502,"长征街道铁路广场垃圾桶"
SITE-0001,pm10,27.8400,113.1600,"人民路地铁站施工工地"
ROAD-0001,water_depth,27.8500,113.1700,人民路下穿隧道
WC-0001,h2s,27.8600,113.1800,"五一广场东侧公厕"
"""
BASE = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reading(device, kind, value, unit, minutes):
    observed = (BASE + timedelta(minutes=minutes)).astimezone(timezone(timedelta(hours=8)))
    return json.dumps({"device_id": device, "kind": kind, "value": value, "unit": unit,
                       "observed_at": observed.isoformat()})


class SensorTest(ServerTestCase):
    @classmethod
    def serve_args(cls, root):
        cls.mqtt_port = free_port()
        config = os.path.join(root, "mosquitto.conf")
        with open(config, "w") as f:
            f.write(f"listener {cls.mqtt_port} 127.0.0.1\nallow_anonymous true\n")
        cls.mosquitto = subprocess.Popen(["mosquitto", "-c", config], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)

        def broker_up():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", cls.mqtt_port)) == 0

        wait_until(broker_up, 10, "mosquitto listening")
        registry = os.path.join(root, "sensors.csv")
        with open(registry, "w", encoding="utf-8") as f:
            f.write(REGISTRY)
        return ("--mqtt-broker", f"127.0.0.1:{cls.mqtt_port}", "--sensor-registry", registry)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.mosquitto.terminate()
        cls.mosquitto.wait(10)

    def publish(self, device, payload):
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.mqtt_port), "-q", "1",
                        "-t", f"minsheng/sensors/{device}", "-m", payload], check=True, timeout=10)

    def processed(self):
        counters = stats(self.data_dir)["counters"]
        return sum(counters.get(k, 0) for k in (
            "intake.cases_opened", "intake.duplicates", "intake.merged", "intake.rejected",
            "intake.readings_without_case"))

    def publish_and_settle(self, device, payloads):
        """Publishes in order and waits until minsheng has processed every one."""
        before = self.processed()
        for payload in payloads:
            self.publish(device, payload)
        wait_until(lambda: self.processed() >= before + len(payloads), 30,
                   f"{len(payloads)} readings of {device} processed", interval=0.2)

    def case_of_device(self, device):
        return self.stub.FindCaseBySource(case_service_pb2.FindCaseBySourceRequest(
            channel=complaint_pb2.CHANNEL_SENSOR, source_id=device), timeout=5)

    def cases_now(self):
        return stats(self.data_dir)["cases"]

    def test_full_bin_raises_one_case_with_hysteresis_and_no_flapping(self):
        start = self.cases_now()
        self.publish_and_settle("BIN-0001", [
            reading("BIN-0001", "bin_fill", 50, "%", 0),
            reading("BIN-0001", "bin_fill", 95, "%", 10),   # raises
            reading("BIN-0001", "bin_fill", 97, "%", 20),   # persists: joins, no new case
            reading("BIN-0001", "bin_fill", 20, "%", 5),    # late and low: ignored, no clear
            reading("BIN-0001", "bin_fill", 80, "%", 30),   # between thresholds: still active
        ])
        self.assertEqual(self.cases_now(), start + 1)
        raised = self.case_of_device("BIN-0001")
        self.assertIn("垃圾桶满溢", raised.complaint.content)
        self.assertEqual(raised.complaint.address, "长征街道铁路广场垃圾桶")
        self.assertAlmostEqual(raised.complaint.location.lat, 27.8301)
        self.assertEqual(raised.version, 1)

        self.publish_and_settle("BIN-0001", [
            reading("BIN-0001", "bin_fill", 60, "%", 40),   # clears
            reading("BIN-0001", "bin_fill", 93, "%", 50),   # raises again: a second case
        ])
        self.assertEqual(self.cases_now(), start + 2)
        cleared = self.stub.GetCase(case_service_pb2.GetCaseRequest(case_id=raised.case_id))
        self.assertIn("恢复正常", cleared.history[-1].note)
        self.assertNotEqual(self.case_of_device("BIN-0001").case_id, raised.case_id)

    def test_site_dust_needs_fifteen_minutes_above_the_limit(self):
        start = self.cases_now()
        self.publish_and_settle("SITE-0001", [
            reading("SITE-0001", "pm10", 180, "ug/m3", 0),
            reading("SITE-0001", "pm10", 190, "µg/m3", 10),
        ])
        self.assertEqual(self.cases_now(), start)
        self.publish_and_settle("SITE-0001", [reading("SITE-0001", "pm10", 185, "ug/m3", 15)])
        self.assertEqual(self.cases_now(), start + 1)
        self.assertIn("工地扬尘", self.case_of_device("SITE-0001").complaint.content)

    def test_road_water_from_kafka_is_urgent(self):
        producer = Producer({"bootstrap.servers": self.server.kafka})
        producer.produce("minsheng.intake.sensor.v1", key=b"ROAD-0001",
                         value=reading("ROAD-0001", "water_depth", 22, "cm", 0).encode())
        self.assertEqual(producer.flush(30), 0)
        found = wait_until(lambda: self.try_case("ROAD-0001"), 30, "flooded road case")
        self.assertEqual(found.complaint.urgency, complaint_pb2.URGENCY_URGENT)
        self.assertIn("道路积水", found.complaint.title)

    def try_case(self, device):
        try:
            return self.case_of_device(device)
        except Exception:
            return None

    def test_bad_readings_are_dead_letters_with_reasons(self):
        future = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
        bad = {
            reading("NOPE-1", "bin_fill", 95, "%", 0): "not in the sensor registry",
            reading("BIN-0001", "bin_fill", 140, "%", 70): "impossible",
            reading("WC-0001", "bin_fill", 95, "%", 0): "registered as h2s",
            json.dumps({"device_id": "WC-0001", "kind": "h2s", "value": 2.0, "unit": "ppm",
                        "observed_at": future}): "observed_at",
            "not json": "not valid JSON",
        }
        for payload in bad:
            self.publish("BAD", payload)
        letters = read_dead_letters(self.server.kafka, len(bad))
        reasons = {value.decode(): headers["minsheng.reason"] for value, headers in letters}
        for payload, reason in bad.items():
            self.assertIn(payload, reasons, f"no dead letter for {payload}")
            self.assertIn(reason, reasons[payload])
        self.assertIsNone(self.try_case("NOPE-1"))


if __name__ == "__main__":
    unittest.main()
