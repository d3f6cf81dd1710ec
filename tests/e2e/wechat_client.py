"""A WeChat server as WeChat's documentation describes it (消息加解密说明), written independently of
minsheng's code: it signs, encrypts and posts messages the way WeChat pushes them."""

import base64
import hashlib
import os
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def signature(*parts):
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class WeChat:
    def __init__(self, address, token, aes_key=None, app_id="wx0123456789abcdef",
                 account="gh_minsheng_demo"):
        self.url = f"http://{address}/wechat"
        self.token = token
        self.app_id = app_id
        self.account = account
        self.key = base64.b64decode(aes_key + "=") if aes_key else None

    # AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks, random16 + len + msg + appid.
    def encrypt(self, text):
        body = text.encode()
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted):
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        plain = plain[:-plain[-1]]
        length = struct.unpack(">I", plain[16:20])[0]
        assert plain[20 + length:].decode() == self.app_id, "reply for another app id"
        return plain[20:20 + length].decode()

    def query(self, timestamp, nonce, **extra):
        params = {"signature": signature(self.token, timestamp, nonce), "timestamp": timestamp,
                  "nonce": nonce, **extra}
        return urllib.parse.urlencode(params)

    def request(self, method, query, body=None):
        req = urllib.request.Request(f"{self.url}?{query}", data=body, method=method,
                                     headers={"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def verify_url(self, echostr, good=True):
        timestamp, nonce = str(int(time.time())), "1234567"
        params = {"signature": signature(self.token, timestamp, nonce) if good else "0" * 40,
                  "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
        return self.request("GET", urllib.parse.urlencode(params))

    def message_xml(self, openid, msg_type, msg_id=None, create_time=None, **fields):
        elements = {"ToUserName": self.account, "FromUserName": openid,
                    "CreateTime": str(create_time or int(time.time())), "MsgType": msg_type,
                    **fields}
        if msg_id is not None:
            elements["MsgId"] = str(msg_id)
        inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in elements.items())
        return f"<xml>{inner}</xml>"

    def push(self, xml, safe=False, tamper=False):
        """Posts a message as WeChat does; returns (status, reply text or raw body)."""
        timestamp, nonce = str(int(time.time())), str(int.from_bytes(os.urandom(4), "big"))
        if not safe:
            query = self.query(timestamp, nonce, openid="ignored")
            if tamper:
                query = query.replace("signature=", "signature=0")
            status, body = self.request("POST", query, xml.encode())
            return status, self.reply_text(body) if status == 200 else body
        encrypted = self.encrypt(xml)
        envelope = (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName>"
                    f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>")
        msg_signature = signature(self.token, timestamp, nonce, encrypted)
        if tamper:
            msg_signature = "0" * 40
        query = self.query(timestamp, nonce, encrypt_type="aes", msg_signature=msg_signature)
        status, body = self.request("POST", query, envelope.encode())
        if status != 200:
            return status, body
        root = ElementTree.fromstring(body)
        reply_encrypt = root.findtext("Encrypt")
        assert root.findtext("MsgSignature") == signature(
            self.token, root.findtext("TimeStamp"), root.findtext("Nonce"), reply_encrypt), \
            "reply msg_signature does not verify"
        return status, self.reply_text(self.decrypt(reply_encrypt))

    def reply_text(self, body):
        if body in ("", "success"):
            return body
        root = ElementTree.fromstring(body)
        assert root.findtext("MsgType") == "text", body
        assert root.findtext("FromUserName") == self.account, body
        return root.findtext("Content")
