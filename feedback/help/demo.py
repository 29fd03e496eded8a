"""The demo shop's help center, in English, Chinese and German (`keyshop serve --demo`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.audit import CLI
from app.core.models import Product
from feedback.help.articles import ArticleDraft, save_article, save_category

CATEGORIES = (
    ("redeeming", {"en": "Redeeming codes", "zh": "兑换卡密", "de": "Codes einlösen"}),
    ("orders", {"en": "Orders and delivery", "zh": "订单与发货", "de": "Bestellungen und Lieferung"}),
    ("problems", {"en": "Problems and refunds", "zh": "问题与退款", "de": "Probleme und Erstattungen"}),
)

ARTICLES = (
    (
        "redeem-steam-wallet",
        "redeeming",
        "steam-wallet-20",
        {
            "en": (
                "How to redeem a Steam Wallet code",
                "1. Open Steam and sign in.\n2. Choose **Games › Redeem a Steam Wallet Code**.\n"
                "3. Paste the code from your order page and press **Continue**.\n\n"
                "The balance is added to your Steam wallet at once.",
            ),
            "zh": (
                "如何兑换 Steam 钱包充值码",
                "1. 打开 Steam 并登录。\n2. 选择 **游戏 › 兑换 Steam 钱包充值码**。\n"
                "3. 粘贴订单页面上的卡密，点击 **继续**。\n\n余额会立即充入您的 Steam 钱包。",
            ),
            "de": (
                "So lösen Sie einen Steam-Guthabencode ein",
                "1. Öffnen Sie Steam und melden Sie sich an.\n2. Wählen Sie **Spiele › Steam-Guthabencode einlösen**.\n"
                "3. Fügen Sie den Code von Ihrer Bestellseite ein und klicken Sie auf **Weiter**.\n\n"
                "Das Guthaben steht sofort in Ihrer Steam-Geldbörse.",
            ),
        },
    ),
    (
        "redeem-netflix",
        "redeeming",
        "netflix-gift-25",
        {
            "en": (
                "How to redeem a Netflix gift card",
                "Go to [netflix.com/redeem](https://www.netflix.com/redeem), sign in, enter the gift card code and "
                "confirm. The credit pays your membership until it is used up.",
            ),
            "zh": (
                "如何兑换 Netflix 礼品卡",
                "访问 [netflix.com/redeem](https://www.netflix.com/redeem)，登录后输入礼品卡卡密并确认。余额将用于支付会员费，直到用完为止。",
            ),
            "de": (
                "So lösen Sie eine Netflix-Geschenkkarte ein",
                "Öffnen Sie [netflix.com/redeem](https://www.netflix.com/redeem), melden Sie sich an, geben Sie den "
                "Geschenkkartencode ein und bestätigen Sie. Das Guthaben bezahlt Ihre Mitgliedschaft, bis es aufgebraucht ist.",
            ),
        },
    ),
    (
        "activate-windows",
        "redeeming",
        "windows-11-pro",
        {
            "en": (
                "How to activate Windows 11 Pro with your product key",
                "Open **Settings › System › Activation**, choose **Change product key** and type the 25-character "
                "key from your order page. Windows activates over the internet within a minute.",
            ),
            "zh": (
                "如何用产品密钥激活 Windows 11 专业版",
                "打开 **设置 › 系统 › 激活**，选择 **更改产品密钥**，输入订单页面上的 25 位密钥。Windows 会在一分钟内联网激活。",
            ),
            "de": (
                "So aktivieren Sie Windows 11 Pro mit Ihrem Produktschlüssel",
                "Öffnen Sie **Einstellungen › System › Aktivierung**, wählen Sie **Product Key ändern** und geben "
                "Sie den 25-stelligen Schlüssel von Ihrer Bestellseite ein. Windows aktiviert sich innerhalb einer Minute.",
            ),
        },
    ),
    (
        "card-regions",
        "redeeming",
        None,
        {
            "en": (
                "Which region does my card work in?",
                "Gift cards work in the region (country or currency) named on the product page: a US-dollar card "
                "works on US accounts. Check your account's region before you buy.",
            ),
            "zh": (
                "我的卡在哪个地区可用？",
                "礼品卡只能在商品页面注明的地区（国家或币种）使用：美元卡适用于美国账户。购买前请先确认您账户所在的地区。",
            ),
            "de": (
                "In welcher Region funktioniert meine Karte?",
                "Geschenkkarten funktionieren in der Region (Land oder Währung), die auf der Produktseite steht: "
                "Eine US-Dollar-Karte funktioniert mit US-Konten. Prüfen Sie vor dem Kauf die Region Ihres Kontos.",
            ),
        },
    ),
    (
        "delivery-time",
        "orders",
        None,
        {
            "en": (
                "How long does delivery take?",
                "Seconds. As soon as your payment is confirmed, the code appears on your order page and in your "
                "mailbox. If a product is out of stock, your order waits for new stock and you get an email.",
            ),
            "zh": (
                "发货需要多长时间？",
                "几秒钟。付款确认后，卡密会立即显示在订单页面并发送到您的邮箱。如果商品缺货，订单会等待补货，并会发邮件通知您。",
            ),
            "de": (
                "Wie lange dauert die Lieferung?",
                "Sekunden. Sobald Ihre Zahlung bestätigt ist, erscheint der Code auf Ihrer Bestellseite und in Ihrem "
                "Postfach. Ist ein Produkt ausverkauft, wartet die Bestellung auf neuen Bestand, und Sie erhalten eine E-Mail.",
            ),
        },
    ),
    (
        "lost-order-link",
        "orders",
        None,
        {
            "en": (
                "I lost the link to my order",
                "Use **Find my order** at the bottom of every page: enter your email and order number, and we mail "
                "the link to the address you ordered with.",
            ),
            "zh": (
                "我找不到订单链接了",
                "使用每个页面底部的 **查找我的订单**：输入邮箱和订单号，我们会把链接发送到您下单时使用的邮箱。",
            ),
            "de": (
                "Ich habe den Link zu meiner Bestellung verloren",
                "Nutzen Sie **Meine Bestellung finden** unten auf jeder Seite: Geben Sie E-Mail und Bestellnummer ein, "
                "und wir senden den Link an die Adresse, mit der Sie bestellt haben.",
            ),
        },
    ),
    (
        "code-not-working",
        "problems",
        None,
        {
            "en": (
                "My code does not work",
                "On your order page, press **Report a problem** next to the code and say what the shop's site "
                "answered. We check it and replace the code or refund you, usually within the hour.",
            ),
            "zh": (
                "我的卡密无法使用",
                "在订单页面上，点击卡密旁边的 **报告问题**，并说明兑换网站的提示。我们会核实后为您更换卡密或退款，通常在一小时内处理。",
            ),
            "de": (
                "Mein Code funktioniert nicht",
                "Klicken Sie auf Ihrer Bestellseite neben dem Code auf **Problem melden** und schreiben Sie, was die "
                "Seite beim Einlösen geantwortet hat. Wir prüfen es und ersetzen den Code oder erstatten, meist innerhalb einer Stunde.",
            ),
        },
    ),
    (
        "refunds",
        "problems",
        None,
        {
            "en": (
                "How refunds work",
                "A refund goes back the way you paid and usually arrives within a few days. Codes that were "
                "delivered and work cannot be refunded; a code that does not work is replaced or refunded.",
            ),
            "zh": (
                "退款如何处理",
                "退款会原路退回，通常几天内到账。已发货且可正常使用的卡密不能退款；无法使用的卡密会为您更换或退款。",
            ),
            "de": (
                "So funktionieren Erstattungen",
                "Eine Erstattung geht auf dem Weg zurück, auf dem Sie bezahlt haben, und kommt meist in wenigen "
                "Tagen an. Gelieferte, funktionierende Codes werden nicht erstattet; ein defekter Code wird ersetzt oder erstattet.",
            ),
        },
    ),
)


def seed_help(session: Session) -> None:
    categories = {
        slug: save_category(session, CLI, slug, names, position) for position, (slug, names) in enumerate(CATEGORIES)
    }
    products = dict(session.execute(select(Product.slug, Product.id)).all())
    session.rollback()
    for position, (slug, category, product, texts) in enumerate(ARTICLES):
        save_article(session, CLI, ArticleDraft(slug, categories[category], texts, products.get(product), position))
