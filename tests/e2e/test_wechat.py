"""The city's WeChat official account pushes citizens' messages; they become cases with tickets."""

import re
import time
import unittest

from harness import ServerTestCase, stats
from minsheng.v1 import case_service_pb2, complaint_pb2
from wechat_client import WeChat

TOKEN = "minsheng-test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as the console shows
APP_ID = "wx0123456789abcdef"
TICKET = re.compile(r"工单号 (MS-\d{8}-W\d{8})")


class WeChatTest(ServerTestCase):
    @classmethod
    def serve_args(cls, root):
        return ("--wechat-listen", "127.0.0.1:0", "--wechat-token", TOKEN, "--wechat-aes-key",
                AES_KEY, "--wechat-appid", APP_ID)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wechat = WeChat(cls.server.endpoints["wechat"], TOKEN, AES_KEY, APP_ID)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        assert "oCitizen" not in cls.server_output, "an openid reached the log"

    def ticket(self, reply):
        status, text = reply
        self.assertEqual(status, 200, text)
        match = TICKET.search(text)
        self.assertIsNotNone(match, text)
        return match.group(1)

    def case(self, case_id):
        return self.stub.GetCase(case_service_pb2.GetCaseRequest(case_id=case_id), timeout=5)

    def case_of_message(self, msg_id):
        return self.stub.FindCaseBySource(case_service_pb2.FindCaseBySourceRequest(
            channel=complaint_pb2.CHANNEL_WECHAT, source_id=str(msg_id)), timeout=5)

    def test_url_verification_echoes_only_for_a_good_signature(self):
        self.assertEqual(self.wechat.verify_url("echo-123"), (200, "echo-123"))
        self.assertEqual(self.wechat.verify_url("echo-123", good=False), (403, ""))

    def test_text_message_gets_a_ticket_and_a_retry_gets_the_same(self):
        xml = self.wechat.message_xml("oCitizen-text-1", "text", msg_id=1001,
                                      Content="小区门口的路灯坏了一个星期了")
        ticket = self.ticket(self.wechat.push(xml))
        found = self.case(ticket)
        self.assertEqual(found.complaint.channel, complaint_pb2.CHANNEL_WECHAT)
        self.assertEqual(found.complaint.content, "小区门口的路灯坏了一个星期了")
        self.assertEqual(found.complaint.wechat_openid, "oCi********xt-1")
        self.assertEqual(len(found.complaint.reporter_pseudonym), 32)
        self.assertEqual(found.complaint.wechat_openid_sealed, b"")
        self.assertNotIn(b"oCitizen-text-1", found.SerializeToString())

        cases_before = stats(self.data_dir)["cases"]
        for _ in range(3):  # WeChat retries up to three times with the same MsgId
            self.assertEqual(self.ticket(self.wechat.push(xml)), ticket)
        self.assertEqual(stats(self.data_dir)["cases"], cases_before)

    def test_safe_mode_message_is_decrypted_and_the_reply_encrypted(self):
        xml = self.wechat.message_xml("oCitizen-safe-1", "text", msg_id=2001,
                                      Content="工地晚上十一点还在施工，噪音很大")
        ticket = self.ticket(self.wechat.push(xml, safe=True))
        self.assertEqual(self.case(ticket).complaint.content, "工地晚上十一点还在施工，噪音很大")
        self.assertEqual(self.ticket(self.wechat.push(xml, safe=True)), ticket)

    def test_bad_signatures_are_refused_and_store_nothing(self):
        xml = self.wechat.message_xml("oCitizen-bad", "text", msg_id=3001, Content="伪造")
        self.assertEqual(self.wechat.push(xml, tamper=True)[0], 403)
        self.assertEqual(self.wechat.push(xml, safe=True, tamper=True)[0], 403)
        status, _ = self.wechat.push("<xml><oops", safe=False)
        self.assertEqual(status, 400)
        with self.assertRaises(Exception):
            self.case_of_message(3001)

    def test_location_then_words_then_photo_assemble_into_one_complaint(self):
        t0 = int(time.time()) - 3000
        openid = "oCitizen-assembly"
        first = self.ticket(self.wechat.push(self.wechat.message_xml(
            openid, "location", msg_id=4001, create_time=t0, Location_X="27.83",
            Location_Y="113.15", Scale="16", Label="铁路广场东侧")))
        second = self.ticket(self.wechat.push(self.wechat.message_xml(
            openid, "text", msg_id=4002, create_time=t0 + 60,
            Content="这里每天早上有人摆摊卖菜，占了半条路")))
        third = self.ticket(self.wechat.push(self.wechat.message_xml(
            openid, "image", msg_id=4003, create_time=t0 + 120,
            PicUrl="http://mmbiz.qpic.cn/photo.jpg", MediaId="media-1")))
        voice = self.ticket(self.wechat.push(self.wechat.message_xml(
            openid, "voice", msg_id=4004, create_time=t0 + 180, MediaId="media-2",
            Format="amr", Recognition="菜叶扔了一地")))
        self.assertEqual({first, second, third, voice}, {first})
        found = self.case(first)
        self.assertAlmostEqual(found.complaint.location.lat, 27.83)
        self.assertAlmostEqual(found.complaint.location.lon, 113.15)
        self.assertEqual(found.complaint.address, "铁路广场东侧")
        # Normalized text runs the messages together; the citizen's own lines are kept beside it.
        self.assertEqual(found.complaint.content, "这里每天早上有人摆摊卖菜，占了半条路 菜叶扔了一地")
        self.assertEqual(found.complaint.content_original,
                         "这里每天早上有人摆摊卖菜，占了半条路\n菜叶扔了一地")
        self.assertEqual(list(found.complaint.media_urls), ["http://mmbiz.qpic.cn/photo.jpg"])
        self.assertEqual(found.version, 4)
        for msg_id in (4001, 4002, 4003, 4004):
            self.assertEqual(self.case_of_message(msg_id).case_id, first)

        # Past the 10-minute window, the same person starts a new complaint.
        later = self.ticket(self.wechat.push(self.wechat.message_xml(
            openid, "text", msg_id=4005, create_time=t0 + 180 + 601, Content="另一件事：井盖丢了")))
        self.assertNotEqual(later, first)
        # Another person at the same time does not join the first one's complaint.
        other = self.ticket(self.wechat.push(self.wechat.message_xml(
            "oCitizen-other", "text", msg_id=4006, create_time=t0 + 90, Content="垃圾没人收")))
        self.assertNotEqual(other, first)

    def test_subscribe_gets_a_welcome_and_other_kinds_no_case(self):
        status, text = self.wechat.push(self.wechat.message_xml(
            "oCitizen-new", "event", Event="subscribe"))
        self.assertEqual(status, 200)
        self.assertIn("欢迎关注", text)
        self.assertEqual(self.wechat.push(self.wechat.message_xml(
            "oCitizen-new", "event", Event="unsubscribe")), (200, "success"))
        status, text = self.wechat.push(self.wechat.message_xml(
            "oCitizen-new", "video", msg_id=5001, MediaId="m", ThumbMediaId="t"))
        self.assertIn("暂不支持", text)
        with self.assertRaises(Exception):
            self.case_of_message(5001)

    def test_oversized_body_is_refused(self):
        xml = self.wechat.message_xml("oCitizen-big", "text", msg_id=6001, Content="长" * 40000)
        self.assertEqual(self.wechat.push(xml)[0], 413)


if __name__ == "__main__":
    unittest.main()
