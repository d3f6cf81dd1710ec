"""Starts the real minsheng binary and talks to it as a hotline system would: confluent-kafka
(librdkafka) and kcat for Kafka, grpcio for gRPC. Used by the end-to-end tests."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import grpc
from confluent_kafka import Consumer, Producer, TopicPartition

from minsheng.v1 import case_service_pb2, case_service_pb2_grpc, complaint_pb2

BINARY = os.environ.get("MINSHENG_BIN", "build/bin/minsheng")
INTAKE_TOPIC = "minsheng.intake.hotline.v1"
DEADLETTER_TOPIC = "minsheng.deadletter.v1"
HOTLINE = complaint_pb2.CHANNEL_HOTLINE


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate until it returns a truthy value; fails naming what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Minsheng:
    """One minsheng process (role serve or kafka) with its own data dir."""

    def __init__(self, role, data_dir, *args):
        self.data_dir = data_dir
        self.endpoints_path = os.path.join(data_dir, "endpoints.json")
        self.log_path = os.path.join(data_dir, f"{role}-{time.monotonic_ns()}.log")
        os.makedirs(data_dir, exist_ok=True)
        if os.path.exists(self.endpoints_path):
            os.remove(self.endpoints_path)  # left by a killed process
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [BINARY, role, "--data-dir", data_dir, *args],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.endpoints = wait_until(self._read_endpoints, 30, f"{role} endpoints.json")

    def _read_endpoints(self):
        if self.process.poll() is not None:
            raise AssertionError(f"minsheng exited with {self.process.returncode}:\n{self.output()}")
        try:
            with open(self.endpoints_path) as f:
                return json.load(f)
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    @property
    def kafka(self):
        return self.endpoints["kafka_bootstrap"]

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the process and returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self.log.close()
        return code

    def kill(self):
        return self.stop(signal.SIGKILL)


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="minsheng-e2e-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def case_stub(address):
    channel = grpc.insecure_channel(address)
    grpc.channel_ready_future(channel).result(timeout=10)
    return case_service_pb2_grpc.CaseServiceStub(channel), channel


def find_case(stub, work_order_id):
    """The case for a hotline work order, or None while there is none."""
    try:
        return stub.FindCaseBySource(
            case_service_pb2.FindCaseBySourceRequest(channel=HOTLINE, source_id=work_order_id),
            timeout=5)
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise


def make_producer(bootstrap):
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                     "linger.ms": 5})


def produce_all(bootstrap, records):
    """Produces (key, value) pairs and waits until the broker acknowledged every one."""
    producer = make_producer(bootstrap)
    failures = []

    def delivered(err, _msg):
        if err is not None:
            failures.append(err)

    for key, value in records:
        while True:
            try:
                producer.produce(INTAKE_TOPIC, key=key, value=value, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    remaining = producer.flush(30)
    assert remaining == 0 and not failures, f"produce failed: {remaining} left, {failures[:3]}"


def read_dead_letters(bootstrap, expected, timeout=30):
    """Reads dead letters until `expected` arrived; returns them as (value, headers dict)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"e2e-{time.time_ns()}",
                         "enable.auto.commit": False})
    partitions = consumer.list_topics(DEADLETTER_TOPIC, timeout=10).topics[DEADLETTER_TOPIC]
    consumer.assign([TopicPartition(DEADLETTER_TOPIC, p, 0) for p in partitions.partitions])
    letters = []
    deadline = time.monotonic() + timeout
    while len(letters) < expected and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is None or message.error():
            continue
        headers = {k: v.decode("utf-8") for k, v in (message.headers() or [])}
        letters.append((message.value(), headers))
    consumer.close()
    return letters


def stats(data_dir):
    output = subprocess.run([BINARY, "stats", "--data-dir", data_dir], check=True,
                            capture_output=True, timeout=60).stdout
    return json.loads(output)


def work_order(work_order_id, content="小区门口垃圾箱没盖，垃圾两天没人清运，苍蝇乱飞。", **fields):
    order = {"work_order_id": work_order_id, "received_at": "2025-03-01T09:30:00+08:00",
             "content": content}
    order.update(fields)
    return json.dumps(order, ensure_ascii=False).encode("utf-8")


class ServerTestCase(unittest.TestCase):
    """Tests that share one `minsheng serve` for the whole class, on its own data dir."""

    @classmethod
    def serve_args(cls, root):
        """Extra flags for serve; may prepare files or brokers under root first."""
        return ()

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir()
        root = cls.tmp.__enter__()
        cls.data_dir = os.path.join(root, "server")
        cls.server = Minsheng("serve", cls.data_dir, "--grpc-listen", "127.0.0.1:0",
                              *cls.serve_args(root))
        cls.stub, cls.channel = case_stub(cls.server.endpoints["grpc"])

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server_output = cls.server.output()
        code = cls.server.stop()
        cls.tmp.__exit__(None, None, None)
        assert code == 0, f"serve exited with {code}"
