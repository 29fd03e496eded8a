"""The words of support mail, per language (the conversation's)."""

from __future__ import annotations

from app.core.languages import in_language

WORDS = {
    "en": {
        "opened.subject": "[{number}] We have your message",
        "opened.body": "Thank you for writing to us. We answer within {hours} hours, usually much sooner. "
        "Follow the conversation and write again here:",
        "reply.subject": "[{number}] Re: {subject}",
        "reply.intro": "We answered your message:",
        "reply.link": "Answer us here (replying to this mail does not reach us):",
        "survey.subject": "[{number}] How did we do?",
        "survey.body": "Your conversation is resolved. One click on the page tells us how we did (1 to 5):",
        "open": "Open the conversation",
    },
    "de": {
        "opened.subject": "[{number}] Ihre Nachricht ist angekommen",
        "opened.body": "Danke für Ihre Nachricht. Wir antworten innerhalb von {hours} Stunden, meist viel schneller. "
        "Hier verfolgen Sie das Gespräch und schreiben uns wieder:",
        "reply.subject": "[{number}] AW: {subject}",
        "reply.intro": "Wir haben Ihnen geantwortet:",
        "reply.link": "Antworten Sie uns hier (eine Antwort auf diese Mail erreicht uns nicht):",
        "survey.subject": "[{number}] Wie waren wir?",
        "survey.body": "Ihr Anliegen ist erledigt. Ein Klick auf der Seite sagt uns, wie gut wir waren (1 bis 5):",
        "open": "Gespräch öffnen",
    },
    "zh": {
        "opened.subject": "[{number}] 我们已收到您的消息",
        "opened.body": "感谢您的来信。我们会在 {hours} 小时内回复，通常会快得多。在此查看对话并继续留言：",
        "reply.subject": "[{number}] 回复：{subject}",
        "reply.intro": "我们已回复您的消息：",
        "reply.link": "请在此回复我们（直接回复此邮件无法送达）：",
        "survey.subject": "[{number}] 请为我们的服务评分",
        "survey.body": "您的问题已解决。请在页面上点击评分（1 至 5 分）：",
        "open": "打开对话",
    },
}


def word(locale: str, key: str, **values) -> str:
    return in_language(WORDS, locale, key, **values)
