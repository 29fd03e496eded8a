"""The words of the buyer's mails, per language. An order keeps the language it was placed in."""

from __future__ import annotations

from app.core.languages import LANGUAGES, in_language, language_of  # noqa: F401  (language_of: for delivery's callers)

PHRASES = {
    "en": {
        "delivered.subject": "Your code for order {number}",
        "delivered.thanks": "Thank you for your order {number}.",
        "delivered.codes": "Your code(s):",
        "delivered.page": "Your order page, with the codes and help if one does not work:",
        "waiting.subject": "Order {number}: waiting for stock",
        "waiting.body": "Your payment for order {number} arrived, but {product} is out of stock right now.",
        "waiting.page": "Your code is delivered as soon as stock arrives; this page shows it:",
        "refunded.subject": "Order {number}: refunded",
        "refunded.body": "We refunded your order {number} ({product}):",
        "refunded.when": "It reaches your account the way you paid, usually within a few days.",
        "replaced.subject": "Order {number}: your replacement code",
        "replaced.body": "We replaced the code you reported on order {number}. Your working code(s):",
        "rejected.subject": "Order {number}: about the code you reported",
        "rejected.body": "We checked the code you reported on order {number} and found that it works. Our answer is on your order page:",
        "lookup.subject": "The link to your order {number}",
        "lookup.body": "Someone (we hope you) asked for the link to order {number} ({product}). Here it is:",
        "open": "Open your order page",
    },
    "de": {
        "delivered.subject": "Ihr Code zur Bestellung {number}",
        "delivered.thanks": "Danke für Ihre Bestellung {number}.",
        "delivered.codes": "Ihr Code / Ihre Codes:",
        "delivered.page": "Ihre Bestellseite, mit den Codes und Hilfe, falls einer nicht funktioniert:",
        "waiting.subject": "Bestellung {number}: wartet auf Nachschub",
        "waiting.body": "Ihre Zahlung für die Bestellung {number} ist angekommen, aber {product} ist gerade ausverkauft.",
        "waiting.page": "Ihr Code kommt, sobald Nachschub da ist; diese Seite zeigt ihn:",
        "refunded.subject": "Bestellung {number}: erstattet",
        "refunded.body": "Wir haben Ihre Bestellung {number} ({product}) erstattet:",
        "refunded.when": "Das Geld geht den Weg zurück, auf dem Sie bezahlt haben, meist innerhalb weniger Tage.",
        "replaced.subject": "Bestellung {number}: Ihr Ersatzcode",
        "replaced.body": "Wir haben den gemeldeten Code der Bestellung {number} ersetzt. Ihr gültiger Code / Ihre gültigen Codes:",
        "rejected.subject": "Bestellung {number}: zu Ihrem gemeldeten Code",
        "rejected.body": "Wir haben den gemeldeten Code der Bestellung {number} geprüft: Er funktioniert. Unsere Antwort steht auf Ihrer Bestellseite:",
        "lookup.subject": "Der Link zu Ihrer Bestellung {number}",
        "lookup.body": "Jemand (hoffentlich Sie) hat den Link zur Bestellung {number} ({product}) angefordert. Hier ist er:",
        "open": "Bestellseite öffnen",
    },
    "zh": {
        "delivered.subject": "订单 {number} 的卡密",
        "delivered.thanks": "感谢您的订单 {number}。",
        "delivered.codes": "您的卡密：",
        "delivered.page": "订单页面（可查看卡密，卡密无效时也可在此反馈）：",
        "waiting.subject": "订单 {number}：等待补货",
        "waiting.body": "订单 {number} 已付款，但 {product} 暂时缺货。",
        "waiting.page": "补货后将立即发货，届时可在此页面查看：",
        "refunded.subject": "订单 {number}：已退款",
        "refunded.body": "您的订单 {number}（{product}）已退款：",
        "refunded.when": "款项将按原支付方式退回，通常需要几天。",
        "replaced.subject": "订单 {number}：您的补发卡密",
        "replaced.body": "您在订单 {number} 中反馈的卡密已为您更换。可用的卡密：",
        "rejected.subject": "订单 {number}：关于您反馈的卡密",
        "rejected.body": "我们核查了您在订单 {number} 中反馈的卡密，确认其可以使用。详细答复请见订单页面：",
        "lookup.subject": "您的订单 {number} 的链接",
        "lookup.body": "有人（希望是您本人）请求了订单 {number}（{product}）的链接。链接如下：",
        "open": "打开订单页面",
    },
}


def phrase(language: str, key: str, **values) -> str:
    return in_language(PHRASES, language, key, **values)
