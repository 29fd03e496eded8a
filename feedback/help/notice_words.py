"""The words of proactive notes, per language: the widget shows them and the mail carries them."""

from __future__ import annotations

from app.core.languages import in_language

WORDS = {
    "en": {
        "backorder": "Your order {number} is still waiting for stock. We deliver it the moment stock arrives; "
        "if that takes too long, we refund you automatically.",
        "reported": "We got your report on order {number}. We are checking the code and will replace it or "
        "refund you; you will hear from us on the order page and by email.",
        "repeat_views": "Questions about {product}? Our help center explains how to redeem it, or ask us directly.",
        "subject": "About your order {number}",
        "open": "Open your order page",
    },
    "de": {
        "backorder": "Ihre Bestellung {number} wartet noch auf Bestand. Wir liefern, sobald Bestand eintrifft; "
        "dauert es zu lange, erstatten wir Ihnen den Betrag automatisch.",
        "reported": "Wir haben Ihre Meldung zur Bestellung {number} erhalten. Wir prüfen den Code und ersetzen "
        "ihn oder erstatten; Sie hören von uns auf der Bestellseite und per E-Mail.",
        "repeat_views": "Fragen zu {product}? Unsere Hilfe erklärt, wie Sie es einlösen, oder fragen Sie uns direkt.",
        "subject": "Zu Ihrer Bestellung {number}",
        "open": "Bestellseite öffnen",
    },
    "zh": {
        "backorder": "您的订单 {number} 仍在等待补货。到货后我们会立即发货；如果等待时间过长，我们会自动为您退款。",
        "reported": "我们已收到您对订单 {number} 的问题报告。我们正在核实卡密，将为您更换或退款；结果会显示在订单页面并通过邮件通知您。",
        "repeat_views": "对 {product} 有疑问？帮助中心介绍了兑换方法，您也可以直接咨询我们。",
        "subject": "关于您的订单 {number}",
        "open": "打开订单页面",
    },
}


def notice_text(locale: str, key: str, **values) -> str:
    return in_language(WORDS, locale, key, **values)
