"""`minsheng train` and `minsheng eval`: a city retrains the classifier on its own labelled
complaints and measures it."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

BINARY = os.environ.get("MINSHENG_BIN", "build/bin/minsheng")

# A toy corpus: three categories with their own wording, filler shared by all.
TOPICS = {
    "A1": ["有人在路边摆摊", "流动摊贩占道经营", "小贩把摊位摆到人行道上", "夜市摊点占用马路"],
    "B1": ["垃圾堆了好几天没人清运", "垃圾桶满了臭味很大", "生活垃圾到处乱扔", "垃圾站苍蝇乱飞"],
    "J1": ["工地半夜施工噪音扰民", "晚上十二点还在打桩太吵", "广场舞音响声音太大", "装修电钻声吵得睡不着"],
}
PLACES = ["长征街道", "铁路广场", "幸福小区", "人民路", "东门菜市场"]
TAILS = ["请尽快处理", "希望有关部门管一管", "已经反映多次"]


def toy_examples():
    examples = []
    for label, phrases in TOPICS.items():
        for i in range(30):
            text = (PLACES[i % len(PLACES)] + phrases[i % len(phrases)] + "，" +
                    phrases[(i // 2) % len(phrases)] + "。" + TAILS[i % len(TAILS)])
            example = {"text": text, "label": label}
            if i % 2:
                example["title"] = phrases[i % len(phrases)][:6]
            examples.append(example)
    return examples


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def minsheng(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=300)


class ClassifierCommandsTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="minsheng-e2e-")
        self.data = os.path.join(self.dir, "corpus.jsonl")
        write_jsonl(self.data, toy_examples())

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_train_then_eval_reports_metrics_as_json(self):
        for algorithm in ("linear", "fasttext"):
            with self.subTest(algorithm=algorithm):
                model = os.path.join(self.dir, f"{algorithm}.model")
                trained = minsheng("train", "--data", self.data, "--out", model,
                                   "--algorithm", algorithm, "--min-count", "1",
                                   "--buckets", "4000")
                self.assertEqual(trained.returncode, 0, trained.stderr)
                self.assertIn(f"{algorithm} model, 90 examples, 3 labels", trained.stdout)
                self.assertGreater(os.path.getsize(model), 0)

                evaluated = minsheng("eval", "--model", model, "--data", self.data, "--json")
                self.assertEqual(evaluated.returncode, 0, evaluated.stderr)
                report = json.loads(evaluated.stdout)
                self.assertEqual(report["examples"], 90)
                self.assertGreaterEqual(report["accuracy"], 0.9)
                self.assertGreaterEqual(report["macro_f1"], 0.9)
                self.assertEqual(set(report["per_label"]), {"A1", "B1", "J1"})
                self.assertEqual(report["per_label"]["B1"]["support"], 30)
                self.assertEqual(set(report["confusion"]), {"A1", "B1", "J1"})

                only_b = json.loads(minsheng("eval", "--model", model, "--data", self.data,
                                             "--json", "--labels", "B[0-9]").stdout)
                self.assertEqual(only_b["examples"], 30)
                self.assertEqual(set(only_b["per_label"]), {"B1"})

                text = minsheng("eval", "--model", model, "--data", self.data)
                self.assertEqual(text.returncode, 0, text.stderr)
                self.assertIn("macro-F1", text.stdout)

    def test_eval_with_a_taxonomy_files_complaints_as_serve_does(self):
        model = os.path.join(self.dir, "model")
        self.assertEqual(minsheng("train", "--data", self.data, "--out", model,
                                  "--min-count", "1").returncode, 0)
        taxonomy = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "deploy", "taxonomy.yaml")
        combined = json.loads(minsheng("eval", "--model", model, "--data", self.data, "--json",
                                       "--taxonomy", taxonomy).stdout)
        self.assertEqual(combined["examples"], 90)
        self.assertGreaterEqual(combined["accuracy"], 0.9)
        # Keywords alone: the shipped taxonomy's J1 is fever clinics, not the toy corpus's noise,
        # and "垃圾站苍蝇乱飞" has no B1 keyword; what no keyword matches is "(none)".
        keywords = json.loads(minsheng("eval", "--model", "none", "--data", self.data, "--json",
                                       "--taxonomy", taxonomy).stdout)
        self.assertGreaterEqual(keywords["confusion"]["A1"].get("A1", 0), 20)
        self.assertNotIn("J1", keywords["confusion"]["J1"])
        self.assertIn("(none)", keywords["confusion"]["J1"])
        self.assertLess(keywords["accuracy"], combined["accuracy"])

        without = minsheng("eval", "--model", "none", "--data", self.data)
        self.assertEqual(without.returncode, 2)
        self.assertIn("--model none needs --taxonomy", without.stderr)
        missing = minsheng("eval", "--model", model, "--data", self.data, "--taxonomy",
                           os.path.join(self.dir, "no-such.yaml"))
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no-such.yaml", missing.stderr)

    def test_validation_file_is_scored_after_training(self):
        model = os.path.join(self.dir, "model")
        trained = minsheng("train", "--data", self.data, "--out", model, "--validation",
                           self.data, "--min-count", "1")
        self.assertEqual(trained.returncode, 0, trained.stderr)
        self.assertRegex(trained.stdout, r"validation: 90 examples, accuracy [01]\.\d+")

    def test_usage_errors_exit_2_with_usage(self):
        for args in (["train", "--out", "m"], ["train", "--data", self.data],
                     ["train", "--data", self.data, "--out", "m", "--bogus", "1"],
                     ["train", "--data", self.data, "--out", "m", "--algorithm", "svm"],
                     ["eval", "--model", "m"], ["eval", "--data", self.data, "--model"]):
            with self.subTest(args=args):
                result = minsheng(*args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("usage: minsheng", result.stderr)
        missing = minsheng("train", "--out", "m")
        self.assertIn("--data: missing", missing.stderr)
        helped = minsheng("train", "--help")
        self.assertEqual(helped.returncode, 0)
        self.assertIn("--algorithm", helped.stdout)

    def test_bad_input_fails_with_one_line_naming_the_line(self):
        bad = os.path.join(self.dir, "bad.jsonl")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('{"text": "垃圾没人清运", "label": "B1"}\n{"text": "路边摆摊"}\n')
        result = minsheng("train", "--data", bad, "--out", os.path.join(self.dir, "m"))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr, f"minsheng train: {bad}: line 2: label: missing\n")

        not_a_model = os.path.join(self.dir, "not-a-model")
        with open(not_a_model, "w") as f:
            f.write("hello")
        result = minsheng("eval", "--model", not_a_model, "--data", self.data)
        self.assertEqual(result.returncode, 1)
        self.assertIn(not_a_model, result.stderr)
        self.assertEqual(result.stderr.count("\n"), 1)


if __name__ == "__main__":
    unittest.main()
