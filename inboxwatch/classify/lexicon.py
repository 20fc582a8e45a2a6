"""Word lists the spam checks use: extensions, impersonated brands and their real domains,
credential-lure phrases, the marks of advance-fee fraud, abused link hosts, bulk mailers,
free-mail domains.

Data only, kept apart from the checks in :mod:`inboxwatch.classify.spam` so that the lists
can be reviewed (and extended) without reading code.
"""

from __future__ import annotations

from inboxwatch.classify.guards import GuardedPattern

__all__ = [
    "ABUSED_LINK_HOSTS", "ADVANCE_FEE_MARKS", "ADVANCE_FEE_OFFERS", "BULK_MAILERS",
    "CLICK_TRACKERS", "CREDENTIAL_LURES", "DOCUMENT_EXTENSIONS", "FREEMAIL_DOMAINS",
    "IMPERSONATED_BRANDS", "INCOME_PITCH_MARKS", "MACRO_EXTENSIONS", "RISKY_EXTENSIONS",
]


RISKY_EXTENSIONS = frozenset({
    "exe", "scr", "js", "jse", "vbs", "vbe", "bat", "cmd", "ps1", "jar", "iso", "img",
    "lnk", "hta", "msi", "com", "pif", "cpl", "wsf", "reg", "vhd", "one",
})


MACRO_EXTENSIONS = frozenset({"docm", "xlsm", "pptm", "dotm", "xltm", "xlam", "ppsm"})


DOCUMENT_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "txt", "jpg", "jpeg",
                                 "png", "gif", "zip", "rar", "html", "htm", "rtf", "csv"})


# Brands phishing pretends to be, and the registered domains they really send from.
IMPERSONATED_BRANDS: dict[str, tuple[str, ...]] = {
    "paypal": ("paypal.com",),
    "apple": ("apple.com", "icloud.com"),
    "icloud": ("apple.com", "icloud.com"),
    "microsoft": ("microsoft.com", "office.com", "outlook.com", "live.com", "office365.com"),
    "office 365": ("microsoft.com", "office.com", "office365.com"),
    "outlook": ("microsoft.com", "outlook.com", "office.com"),
    "onedrive": ("microsoft.com", "onedrive.com"),
    "sharepoint": ("microsoft.com", "sharepoint.com"),
    "netflix": ("netflix.com",),
    "amazon": ("amazon.com", "amazon.co.uk", "amazon.de", "amazonses.com"),
    "docusign": ("docusign.net", "docusign.com"),
    "dropbox": ("dropbox.com",),
    "dhl": ("dhl.com", "dhl.de"),
    "fedex": ("fedex.com",),
    "usps": ("usps.com", "usps.gov"),
    "wells fargo": ("wellsfargo.com",),
    "bank of america": ("bankofamerica.com", "bofa.com"),
    "chase": ("chase.com",),
    "coinbase": ("coinbase.com",),
    "binance": ("binance.com",),
    "metamask": ("metamask.io",),
    "facebook": ("facebook.com", "facebookmail.com", "meta.com"),
    "instagram": ("instagram.com", "mail.instagram.com"),
    "linkedin": ("linkedin.com",),
    "google": ("google.com", "gmail.com", "youtube.com"),
    "american express": ("americanexpress.com", "aexp.com"),
    "norton": ("norton.com", "nortonlifelock.com"),
    "mcafee": ("mcafee.com",),
    "ledger": ("ledger.com",),
    "trezor": ("trezor.io",),
    "stellar": ("stellar.org",),
    "trust wallet": ("trustwallet.com",),
    "blockchain": ("blockchain.com",),
    "postnl": ("postnl.nl",),
    "webmail": (),
    "mail administrator": (),
    "it support": (),
    "help desk": (),
}


# Phrases that ask the reader to hand over credentials or act on a threat to an account.
# Matched against lower-cased text: IGNORECASE defeats the regex engine's literal-prefix
# search and made these the costliest step of classification. A pattern that starts with a
# literal needs no needles: the engine's own prefix search is as fast as "in".
CREDENTIAL_LURES: tuple[GuardedPattern, ...] = (
    GuardedPattern(r"verify your (account|identity|email|information|details)"),
    GuardedPattern(r"confirm your (account|identity|email|information|details|password)"),
    GuardedPattern(r"(account|mailbox|access) (has been |was |will be )?(suspended|locked|"
                   r"limited|disabled|restricted|deactivated|terminated|closed|on hold)",
                   ("account ", "mailbox ", "access ")),
    GuardedPattern(r"unusual (sign[- ]?in|login|activity)"),
    GuardedPattern(r"(suspicious|unauthori[sz]ed) (activity|login|sign[- ]?in|access|"
                   r"transaction)", ("suspicious ", "unauthori")),
    GuardedPattern(r"update your (payment|billing|account|card)"),
    GuardedPattern(r"password (will )?(expire|expires|expired)"),
    GuardedPattern(r"mailbox (is )?(full|quota|storage)"),
    GuardedPattern(r"storage (is )?(full|quota)"),
    GuardedPattern(r"click (here|below|the link) to (verify|confirm|login|log in|sign in|"
                   r"restore|unlock|reactivate|update|validate)"),
    GuardedPattern(r"(reset|validate|re-?activate) your (password|account)",
                   ("your password", "your account")),
    GuardedPattern(r"(failed|pending|held) (delivery|payment|messages)",
                   (" delivery", " payment", " messages")),
    GuardedPattern(r"your (package|parcel|shipment) (could not|couldn't|cannot) be delivered"),
    GuardedPattern(r"security (alert|notice|warning)"),
    GuardedPattern(r"within (24|48|72) hours"),
    GuardedPattern(r"(seed|recovery|secret|mnemonic) (phrase|words)", (" phrase", " words")),
    GuardedPattern(r"wallet (has been |was |is )?(suspended|locked|disabled|compromised|"
                   r"deactivated)"),
    GuardedPattern(r"(claim|receive|withdraw) your (reward|prize|bonus|funds|bitcoin|btc|"
                   r"crypto)", ("claim your ", "receive your ", "withdraw your ")),
    GuardedPattern(r"you ha(ve|s) (won|been selected)"),
    GuardedPattern(r"withdrawal (error|failed|pending)"),
)


# The idiom of advance-fee ("419") fraud, one mark per kind of claim: a fortune, a foreign
# partner, a share of the sum, an official who holds it, a vault or courier, a contract to
# over-invoice, a plea for trust and secrecy. Searched in lower-cased text with single
# spaces. Left out: the words a real estate or inheritance question uses too ("my late
# father", "beneficiary", "transfer of the funds"), which a case-management help desk's
# clients write; and a client asking about their own estate may still name its next of
# kin, a bank manager and a sum in millions, so the rule also asks for one of
# ADVANCE_FEE_OFFERS. Three marks with an offer: in 21 of the 500 SpamAssassin spams and in
# none of its 1,625 ham.
ADVANCE_FEE_MARKS: tuple[tuple[str, GuardedPattern], ...] = (
    ("next of kin", GuardedPattern(r"next[- ]of[- ]kin")),
    ("a fortune in dollars", GuardedPattern(
        r"(million|billion) ((united states|u\.?s\.?a?\.?|american) )?dollars|"
        r"us\$ ?\d[\d.,]* ?(million|m\b)|usd ?\d[\d.,]* ?million",
        ("million", "billion", "us$", "usd"))),
    ("a foreign partner", GuardedPattern(
        r"(foreign|overseas) (business ?partner|partner|bank account|account)",
        ("foreign ", "overseas "))),
    ("secrecy", GuardedPattern(
        r"(strictly|absolute(ly)?|utmost|highly) confidential|"
        r"(strict|utmost|absolute) (confidentiality|secrecy)", ("confidential", "secrecy"))),
    ("a share of the sum", GuardedPattern(
        r"\d\d? ?% of (the )?(total |entire )?(sum|fund|amount|money)", ("% of ",))),
    ("an official who holds it", GuardedPattern(
        r"\b(barrister|bank manager|auditor|accountant general|minist(er|ry) of|"
        r"government official)\b",
        ("barrister", "bank manager", "auditor", "accountant general", "minist",
         "government official"))),
    ("a vault or courier", GuardedPattern(
        r"security (company|vault|firm)|diplomatic (courier|bag|cover|immunity)|"
        r"deposited (it )?(with|in|at) (a|the) (bank|security|finance)|"
        r"(consignment|trunk|box)(es)? (containing|of) (money|cash|funds)",
        ("security ", "diplomatic ", "deposited ", "consignment", "trunk", "box"))),
    ("a contract or unclaimed sum", GuardedPattern(
        r"over[- ]?invoic|contract (sum|value|payment)|crude oil|unclaimed",
        ("invoic", "contract ", "crude oil", "unclaimed"))),
    ("a plea for trust", GuardedPattern(
        r"(god[- ]fearing|trustworthy|honest) (person|partner|man|individual)|"
        r"(your|the) assistance (in|to) (transfer|claim|receiv)",
        ("fearing ", "trustworthy ", "honest ", "assistance "))),
)
# The marks that offer the reader a part in the deal.
ADVANCE_FEE_OFFERS = frozenset({"a foreign partner", "a share of the sum", "a plea for trust"})


# The pitch of a money-making scheme (work from home, multi-level marketing, "I made $3,500
# last week"), one mark per kind of claim, searched like ADVANCE_FEE_MARKS. One mark is in
# list mail about jobs and the economy, and in a client's own life ("I work from home on
# Mondays"); two are in 38 of the 500 SpamAssassin spams and in none of its 1,625 ham, the
# 75 help-desk ham of bench/training or the client mail of tests/data.
INCOME_PITCH_MARKS: tuple[tuple[str, GuardedPattern], ...] = (
    ("making money", GuardedPattern(
        r"\bmak(e|ing) ((some|extra|big|serious|real|more|fast|easy) )*money\b",
        ("money",))),
    ("extra income", GuardedPattern(
        r"\b(extra|additional|second|residual|passive) (income|cash)\b|\bextra money\b",
        ("income", "cash", "extra money"))),
    ("from home", GuardedPattern(
        r"\bwork(ing)? (from|at) home\b|\bhome[- ]based business|\bhome business\b|"
        r"\bfrom the comfort of your (own )?home",
        ("from home", "at home", "home-based", "home based", "home business",
         "comfort of your"))),
    ("freedom from a job", GuardedPattern(
        r"\bfinancial (freedom|independence)\b|\bbe your own boss\b|"
        r"\bquit your (day )?job\b|\bfire your boss\b", ("financial ", "boss", "quit your "))),
    ("a scheme", GuardedPattern(
        r"\bmulti[- ]level\b|\bnetwork marketing\b|"
        r"\b(income|business|money[- ]making) opportunit|\bmoney[- ]making\b|\bget paid to\b",
        ("multi-level", "multi level", "network marketing", "opportunit", "money-making",
         "money making", "get paid to"))),
    ("earnings claimed", GuardedPattern(
        r"\b(earn|earning|i made|made over|making) (up to |over |as much as )?\$ ?\d",
        ("$",))),
    ("no experience needed", GuardedPattern(
        r"\bno (prior )?experience (is )?(needed|necessary|required)\b", ("experience",))),
)


# Hosts where anyone can publish a page in minutes: where credential forms are hosted.
# The click-tracking domains of the big bulk-mail services: a newsletter's link goes through
# one of these to count the click, then on to the address its text shows. Not deception
# when the mail is a newsletter (List-Unsubscribe); phishing from a hijacked account still
# meets the other rules.
CLICK_TRACKERS = frozenset({
    "list-manage.com", "mailchimp.com", "mcsv.net", "sendgrid.net", "mandrillapp.com",
    "rs6.net", "createsend1.com", "cmail19.com", "cmail20.com", "hubspotlinks.com",
    "exacttarget.com", "mailgun.org", "sparkpostmail.com", "awstrack.me", "klclick.com",
    "mlsend.com", "sendibt2.com", "brevo.com", "mjt.lu", "constantcontact.com",
})


ABUSED_LINK_HOSTS: tuple[str, ...] = (
    "bit.ly", "tinyurl.com", "is.gd", "cutt.ly", "rebrand.ly", "t.ly", "shorturl.at",
    "ipfs.io", "web.app", "firebaseapp.com", "firebasestorage.googleapis.com", "r2.dev",
    "pages.dev", "workers.dev", "storage.googleapis.com", "blob.core.windows.net",
    "forms.gle", "sites.google.com", "000webhostapp.com", "weebly.com", "wixsite.com",
    "ngrok.io", "ngrok-free.app", "glitch.me", "repl.co", "herokuapp.com", "vercel.app",
    "netlify.app", "github.io", "typedream.app", "webflow.io", "square.site", "godaddysites.com",
)


# -- the 2002-era junk signal, independent of vocabulary (SpamAssassin's classic rules) --

# Mass-mailing programs that name themselves in X-Mailer (SpamAssassin's RATWARE rules).
BULK_MAILERS: tuple[str, ...] = (
    "advanced mass sender", "aureate group mail", "bulk mailer", "dynamic mailer",
    "ehoosend", "emailer platinum", "group mail", "jixing", "mail bomber", "mailking",
    "mass mailer", "massmail", "send-safe", "stealth mailer", "worldmerge", "extractor",
    "direct email", "floodgate", "e-mail sender", "express mailer",
)


FREEMAIL_DOMAINS = frozenset({
    "hotmail.com", "yahoo.com", "aol.com", "msn.com", "gmail.com", "outlook.com",
    "mail.ru", "bk.ru", "list.ru", "inbox.ru", "yandex.ru", "juno.com", "excite.com",
    "lycos.com", "netscape.net", "usa.net", "163.com", "126.com", "sina.com", "qq.com",
    "gmx.com", "gmx.net", "web.de", "live.com", "yahoo.co.uk", "rediffmail.com",
    "mail.com", "email.com", "usa.com", "post.com", "icloud.com", "me.com", "aim.com",
    "ymail.com", "rocketmail.com", "protonmail.com", "proton.me", "zoho.com", "hushmail.com",
    "fastmail.com", "tutanota.com", "hotmail.co.uk", "hotmail.fr", "yahoo.fr", "yahoo.de",
    "yahoo.es", "yahoo.it", "yahoo.ca", "yahoo.com.br", "libero.it", "laposte.net",
    "seznam.cz", "wp.pl", "o2.pl", "naver.com", "daum.net", "hanmail.net", "yeah.net",
    "sohu.com", "rambler.ru", "mail2world.com", "arabia.com", "caramail.com",
    "eudoramail.com", "lycos.co.uk", "gmx.de", "yandex.com",
})
