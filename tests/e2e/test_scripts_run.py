"""./scripts/run, as the README tells a new user: it builds, serves, and stops cleanly on Ctrl-C."""

import json
import os
import signal
import subprocess
import unittest

from harness import TempDir, case_stub, wait_until

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class ScriptsRunTest(unittest.TestCase):
    def test_run_serves_until_interrupted(self):
        with TempDir() as data_dir:
            endpoints_path = os.path.join(data_dir, "endpoints.json")
            process = subprocess.Popen(
                ["./scripts/run", "--data-dir", data_dir, "--grpc-listen", "127.0.0.1:0",
                 "--wechat-listen", "127.0.0.1:0"],
                cwd=REPOSITORY, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)
            try:
                def published():
                    if process.poll() is not None:
                        raise AssertionError(f"./scripts/run exited with {process.returncode}")
                    return os.path.exists(endpoints_path) and json.load(open(endpoints_path))

                endpoints = wait_until(published, 600, "endpoints.json")
                _, channel = case_stub(endpoints["grpc"])
                channel.close()
                process.send_signal(signal.SIGINT)  # what Ctrl-C delivers
                self.assertEqual(process.wait(60), 0)
                banner = process.stdout.read().decode()
                self.assertIn(f"kafka at {endpoints['kafka_bootstrap']}", banner)
                self.assertIn(f"grpc at {endpoints['grpc']}", banner)
                self.assertIn(f"wechat at http://{endpoints['wechat']}/wechat", banner)
                self.assertFalse(os.path.exists(endpoints_path))
            finally:
                if process.poll() is None:
                    process.kill()
                process.stdout.close()


if __name__ == "__main__":
    unittest.main()
