"""The demo data set: the two seed news reports, entered as a careful researcher would.

Statuses are what the reports themselves support, no more: CNN could not authenticate the radio
traffic, so claims resting on it are at most partially verified. Nothing is invented: where a
report gives no URL or date, none is recorded. Sources are keyed by ``key`` so claims can cite
them; the loader is idempotent on incident slugs, source titles and statement quotes.
"""

import datetime as dt

D = dt.date

SOURCES = {
    "unn": {
        "kind": "news_article",
        "title": (
            "The leadership of the Russian Federation orders the killing of Ukrainian prisoners "
            "of war. The Ministry of Foreign Affairs of Ukraine reacted"
        ),
        "publisher": "UNN (Ukrainian National News)",
        "language": "en",
        "notes": "Seed report 000. UNN cites CNN and the MFA spokesman. URL not recorded in the seed.",
    },
    "cnn_zp": {
        "kind": "news_article",
        "title": "CNN report: intercepted radio traffic suggests Russia orders troops to kill surrendering Ukrainians",
        "publisher": "CNN",
        "language": "en",
        "notes": "Known to us through UNN's account (seed 000). Title descriptive; original headline not in the seed.",
    },
    "drone_zp": {
        "kind": "video",
        "title": "Drone footage of the alleged execution of surrendering Ukrainian soldiers, Zaporizhzhia region, November 2024",
        "publisher": "Unknown (reviewed by CNN)",
        "language": "",
        "is_graphic": True,
        "notes": "Six soldiers face down; at least two shot at close range; one led away. File not held yet.",
    },
    "pgo_post": {
        "kind": "social_media",
        "title": "Prosecutor General's Office post with a screenshot of the drone video",
        "publisher": "Prosecutor General's Office of Ukraine",
        "language": "uk",
        "is_graphic": True,
        "notes": "Posted after the incident, per CNN. URL not recorded in the seed.",
    },
    "radio_zp": {
        "kind": "intercept",
        "title": "Intercepted Russian radio communications ('seize the commander and kill the rest')",
        "publisher": "Ukrainian intelligence (obtained by CNN)",
        "language": "ru",
        "notes": "Audio files; CNN could not authenticate them. A forensic expert consulted found no sign of faking.",
    },
    "hur_post": {
        "kind": "social_media",
        "title": "HUR post publishing an audio intercept about killing prisoners of war near Popasna",
        "publisher": "Main Intelligence Directorate of the Ministry of Defence of Ukraine (HUR)",
        "published_on": D(2022, 4, 20),
        "language": "en",
        "notes": "Published on Wednesday 20 April 2022 according to CNN's report of 22 April.",
    },
    "audio_popasna": {
        "kind": "intercept",
        "title": "Purported audio intercept of Russian soldiers, Popasna area (April 2022)",
        "publisher": "Main Intelligence Directorate of the Ministry of Defence of Ukraine (HUR)",
        "published_on": D(2022, 4, 20),
        "language": "ru",
        "notes": "Voices of unknown Russian soldiers. CNN cannot guarantee its authenticity.",
    },
    "cnn_popasna": {
        "kind": "news_article",
        "title": "Ukrainian intelligence publishes alleged intercept of order to kill prisoners of war in Popasna",
        "publisher": "CNN en Español",
        "published_on": D(2022, 4, 22),
        "language": "es",
        "notes": "Seed report 003 (an English rendering of the Spanish article). Title descriptive.",
    },
}

STATEMENTS = {
    "mfa": {
        "speaker": "Heorhii Tykhyi",
        "speaker_role": "Spokesman",
        "organisation": "Ministry of Foreign Affairs of Ukraine",
        "stance": "condemns",
        "quote": (
            "The Russian executions of Ukrainian prisoners of war who surrendered are more than "
            "just barbaric war crimes. They have become systemic, indicating a policy approved by "
            "the top leadership of Russia. In fact, any army would prefer the enemy to surrender "
            "in greater numbers. Such executions can only have the opposite effect. [...] Every "
            "such case must be punished. Every villain who pulls the trigger must know that "
            "justice will prevail. We call for full international accountability for both the "
            "executioners and their patrons all the way to the Kremlin"
        ),
        "quote_language": "en",
        "translation": "",
        "reported_in": "unn",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
        "notes": "Quoted in English by UNN; the original Ukrainian wording is not in the seed.",
    },
    "un_sr": {
        "speaker": "Morris Tidball-Binz",
        "speaker_role": "UN Special Rapporteur on extrajudicial, summary or arbitrary executions",
        "organisation": "United Nations",
        "stance": "condemns",
        "quote": (
            "[Reported speech] The radio broadcasts and drone recordings indicated the killing of "
            'soldiers who had surrendered by Russian forces; such incidents are "serious '
            'violations" of international law, and such behaviour can only be sanctioned by the '
            "highest authorities in Russia."
        ),
        "quote_language": "en",
        "reported_in": "cnn_zp",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
    },
    "pgo": {
        "speaker": "Prosecutor General's Office of Ukraine",
        "speaker_role": "Press statement",
        "organisation": "Prosecutor General's Office of Ukraine",
        "stance": "investigates",
        "quote": (
            "[Reported speech] As of May 5, the office had opened 75 criminal cases on suspicion "
            "of executions of 268 Ukrainian prisoners of war. The number is increasing: in 2022, "
            "eight cases involving 57 soldiers; in 2023, eight cases involving 11 soldiers; in "
            "2024, 39 cases involving 149 soldiers; and this year already 20 cases involving 51 "
            "soldiers."
        ),
        "quote_language": "en",
        "reported_in": "unn",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
        "notes": "'This year' is 2025: the yearly counts add up to the totals (8+8+39+20=75; 57+11+149+51=268).",
        "figures": [
            # metric, value, period start, period end, as of
            (
                "criminal cases opened on suspicion of executing prisoners of war",
                75,
                D(2022, 2, 24),
                D(2025, 5, 5),
                D(2025, 5, 5),
            ),
            (
                "prisoners of war allegedly executed",
                268,
                D(2022, 2, 24),
                D(2025, 5, 5),
                D(2025, 5, 5),
            ),
            (
                "criminal cases opened on suspicion of executing prisoners of war",
                8,
                D(2022, 1, 1),
                D(2022, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "prisoners of war allegedly executed",
                57,
                D(2022, 1, 1),
                D(2022, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "criminal cases opened on suspicion of executing prisoners of war",
                8,
                D(2023, 1, 1),
                D(2023, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "prisoners of war allegedly executed",
                11,
                D(2023, 1, 1),
                D(2023, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "criminal cases opened on suspicion of executing prisoners of war",
                39,
                D(2024, 1, 1),
                D(2024, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "prisoners of war allegedly executed",
                149,
                D(2024, 1, 1),
                D(2024, 12, 31),
                D(2025, 5, 5),
            ),
            (
                "criminal cases opened on suspicion of executing prisoners of war",
                20,
                D(2025, 1, 1),
                D(2025, 5, 5),
                D(2025, 5, 5),
            ),
            (
                "prisoners of war allegedly executed",
                51,
                D(2025, 1, 1),
                D(2025, 5, 5),
                D(2025, 5, 5),
            ),
        ],
    },
    "belousov": {
        "speaker": "Yuriy Belousov",
        "speaker_role": "Head of the War Crimes Department",
        "organisation": "Prosecutor General's Office of Ukraine",
        "stance": "accuses",
        "quote": (
            "[The increase is due to] instructions given by the top leadership of the Russian "
            "Federation, both political and military."
        ),
        "quote_language": "en",
        "reported_in": "unn",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
    },
    "cnn_auth": {
        "speaker": "CNN",
        "speaker_role": "News organisation",
        "organisation": "CNN",
        "stance": "other",
        "quote": (
            "[Reported speech] CNN was unable to independently authenticate the radio traffic or "
            "confirm that the communication was directly related to the drone recording."
        ),
        "quote_language": "en",
        "reported_in": "cnn_zp",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
    },
    "forensic": {
        "speaker": "Unnamed forensic expert",
        "speaker_role": "Audio forensics, consulted by CNN",
        "organisation": "",
        "stance": "confirms",
        "quote": "[Reported speech] The audio files did not appear to be faked.",
        "quote_language": "en",
        "reported_in": "cnn_zp",
        "incidents": ["zaporizhzhia-2024-11-execution-of-surrendering-soldiers"],
    },
    "hur": {
        "speaker": "Main Intelligence Directorate (HUR)",
        "speaker_role": "Official account",
        "organisation": "Ministry of Defence of Ukraine",
        "stated_on": D(2022, 4, 20),
        "stance": "accuses",
        "quote": (
            "The Main Intelligence Directorate of the Ministry of Defense of Ukraine received an "
            "audio intercept of the conversation of the occupiers, which refers to the order to "
            "kill all prisoners of war of the Armed Forces of Ukraine who are in their captivity "
            "in the Popasna area (Luhansk Region). This is a blatant war crime, a violation of "
            "international law, and another shocking example of the Russian military being "
            "murderers, rapists and looters."
        ),
        "quote_language": "en",
        "reported_in": "cnn_popasna",
        "incidents": ["popasna-2022-04-intercepted-order-to-kill-prisoners"],
    },
    "cnn_popasna": {
        "speaker": "CNN",
        "speaker_role": "News organisation",
        "organisation": "CNN",
        "stated_on": D(2022, 4, 22),
        "stance": "other",
        "quote": (
            "CNN cannot guarantee the authenticity of the recording and has reached out to the "
            "Russian Defense Ministry for comment."
        ),
        "quote_language": "en",
        "reported_in": "cnn_popasna",
        "incidents": ["popasna-2022-04-intercepted-order-to-kill-prisoners"],
    },
}

INCIDENTS = [
    {
        "slug": "zaporizhzhia-2024-11-execution-of-surrendering-soldiers",
        "title": "Execution of surrendering Ukrainian soldiers filmed by a drone, Zaporizhzhia region",
        "summary": (
            "Drone footage shows six Ukrainian soldiers lying face down, at least two shot at "
            "close range and another led away. Intercepted radio traffic, which Ukrainian "
            'officials link to the footage, contains the order "seize the commander and kill the rest".'
        ),
        "description": (
            "According to CNN, as reported by UNN, radio communications intercepted by Ukraine "
            "and obtained from a Ukrainian intelligence official appear to coincide with drone "
            "footage of the alleged execution of Ukrainian soldiers by Russian soldiers in the "
            "Zaporizhzhia region in November 2024. Ukrainian prosecutors are investigating the "
            "deaths and posted a screenshot of the drone video on social media. CNN could not "
            "independently authenticate the radio traffic or confirm that it relates to the "
            "footage; a forensic expert who analysed the audio said it did not appear to be faked. "
            "The UN Special Rapporteur on extrajudicial executions and a Western intelligence "
            "official said the material is consistent with other cases of Russian forces "
            "executing soldiers who had surrendered."
        ),
        "occurred_from": D(2024, 11, 1),
        "date_precision": "month",
        "place_name": "Front line, Zaporizhzhia region (exact place not disclosed)",
        "oblast": "zaporizhzhia",
        # The report names only the region: the oblast's approximate centre, at oblast precision
        # (the map draws a 100 km circle, not a point).
        "latitude": "47.500000",
        "longitude": "35.800000",
        "location_precision": "oblast",
        "category": "pow_execution",
        "legal_references": (
            "Geneva Convention III, arts. 13 and 130; Additional Protocol I, art. 41 (safeguard "
            "of an enemy hors de combat); Rome Statute, art. 8(2)(a)(i) and 8(2)(b)(vi)."
        ),
        "perpetrator": "Russian armed forces (unit not identified)",
        "victims_min": 2,
        "victims_max": 6,
        "publish": True,
        "victims": [
            {
                "status": "hors_de_combat",
                "fate": "killed",
                "count": 2,
                "notes": "At least two shot at close range on the footage. Identities not yet known to us.",
            },
            {
                "status": "hors_de_combat",
                "fate": "detained",
                "count": 1,
                "notes": "Led away on the footage; fate after that unknown.",
            },
            {
                "status": "hors_de_combat",
                "fate": "unknown",
                "count": 3,
                "notes": "The rest of the six soldiers lying face down.",
            },
        ],
        "sources": ["unn", "cnn_zp", "drone_zp", "pgo_post", "radio_zp"],
        "claims": [
            {
                "text": (
                    "Drone footage shows six Ukrainian soldiers lying face down on the ground, at "
                    "least two of them shot at close range and another led away."
                ),
                "claimant": "CNN, describing the footage",
                "status": "partially_verified",
                "methods": ["corroboration", "official_confirmation"],
                "rationale": (
                    "Two independent parties describe the same footage: CNN, which reviewed it, "
                    "and the Prosecutor General's Office, which published a screenshot. The "
                    "reports give no geolocation or chronolocation, so the place and the date "
                    "rest on Ukrainian officials' account."
                ),
                "evidence": [
                    ("drone_zp", "supports", ""),
                    ("cnn_zp", "supports", ""),
                    ("pgo_post", "supports", "Screenshot of the same video."),
                ],
            },
            {
                "text": (
                    "Ukraine's prosecutors posted a screenshot of the drone video on social media "
                    "after the incident and are investigating the deaths as murder."
                ),
                "claimant": "CNN; Prosecutor General's Office of Ukraine",
                "status": "verified",
                "methods": ["official_confirmation", "corroboration"],
                "rationale": (
                    "The post is the prosecutors' own public record and CNN reported it "
                    "independently; the prosecutors' investigation is confirmed by their "
                    "statements on executions of prisoners of war."
                ),
                "evidence": [("pgo_post", "supports", ""), ("cnn_zp", "supports", "")],
            },
            {
                "text": 'Intercepted Russian radio traffic contains the order "seize the commander and kill the rest".',
                "claimant": "Ukrainian intelligence official, via CNN",
                "status": "partially_verified",
                "methods": ["av_forensics"],
                "rationale": (
                    "A forensic expert who analysed the audio files for CNN found no sign that "
                    "they were faked. Their provenance is not established: CNN could not "
                    "independently authenticate the radio traffic."
                ),
                "statement": "forensic",
                "evidence": [
                    ("radio_zp", "supports", ""),
                    ("cnn_zp", "context", "CNN could not authenticate the traffic."),
                ],
            },
            {
                "text": "The intercepted radio orders relate to the execution shown in the drone footage.",
                "claimant": "Ukrainian officials",
                "status": "unverified",
                "evidence": [
                    ("radio_zp", "supports", ""),
                    (
                        "cnn_zp",
                        "context",
                        "CNN could not confirm that the communication was directly related to the drone recording.",
                    ),
                ],
            },
            {
                "text": (
                    "The radio broadcasts and drone recordings are consistent with other cases in "
                    "which Russian forces executed Ukrainian soldiers who had surrendered."
                ),
                "claimant": "Morris Tidball-Binz (UN Special Rapporteur) and a Western intelligence official",
                "statement": "un_sr",
                "status": "unverified",
                "evidence": [("cnn_zp", "supports", "")],
            },
            {
                "text": (
                    "Executions of surrendering Ukrainian prisoners of war have become systemic, "
                    "indicating a policy approved by Russia's top political and military leadership."
                ),
                "claimant": "Ministry of Foreign Affairs of Ukraine; Prosecutor General's Office of Ukraine",
                "statement": "mfa",
                "status": "unverified",
                "evidence": [("unn", "supports", "")],
            },
            {
                "text": (
                    "As of 5 May 2025 Ukrainian prosecutors had opened 75 criminal cases on "
                    "suspicion of executions of 268 Ukrainian prisoners of war."
                ),
                "claimant": "Prosecutor General's Office of Ukraine",
                "statement": "pgo",
                "status": "unverified",
                "evidence": [("unn", "supports", "")],
            },
        ],
    },
    {
        "slug": "popasna-2022-04-intercepted-order-to-kill-prisoners",
        "title": "Intercepted order to kill Ukrainian prisoners of war, Popasna area",
        "summary": (
            "Ukrainian military intelligence published an audio intercept in which Russian "
            "soldiers appear to discuss an order to kill Ukrainian prisoners of war held in the "
            "Popasna area, keeping only the highest-ranking."
        ),
        "description": (
            "On 20 April 2022 Ukraine's Main Intelligence Directorate (HUR) published a purported "
            "intercept of Russian forces' communications. In it, unknown Russian soldiers appear "
            'to say: "keep the highest ranking among them and let the rest go forever ... so '
            'that no one sees them again, including relatives". HUR describes this as an order '
            "to kill all Ukrainian prisoners of war in their captivity in the Popasna area. CNN "
            "could not guarantee the recording's authenticity and asked the Russian Defence "
            "Ministry for comment."
        ),
        "occurred_from": D(2022, 4, 1),
        "date_precision": "approximate",
        "place_name": "Popasna",
        "oblast": "luhansk",
        "latitude": "48.633300",
        "longitude": "38.383300",
        "location_precision": "settlement",
        "category": "pow_execution",
        "legal_references": "Geneva Convention III, arts. 13 and 130; Additional Protocol I, art. 40 (no quarter).",
        "perpetrator": "Russian armed forces (unidentified ground unit)",
        "publish": True,
        "victims": [
            {
                "status": "pow",
                "fate": "unknown",
                "count": 1,
                "notes": "Number unknown: 'all prisoners of war ... in their captivity'. Recorded as one group.",
            },
        ],
        "sources": ["hur_post", "audio_popasna", "cnn_popasna"],
        "claims": [
            {
                "text": (
                    "Ukraine's military intelligence published an audio intercept of Russian "
                    "soldiers discussing prisoners of war in the Popasna area on 20 April 2022."
                ),
                "claimant": "CNN",
                "status": "verified",
                "methods": ["official_confirmation", "corroboration"],
                "rationale": (
                    "The publication is HUR's own public post, reported independently by CNN on "
                    "22 April 2022."
                ),
                "evidence": [("hur_post", "supports", ""), ("cnn_popasna", "supports", "")],
            },
            {
                "text": (
                    "The recording contains an order to kill all Ukrainian prisoners of war held "
                    "in the Popasna area except the highest-ranking."
                ),
                "claimant": "Main Intelligence Directorate of Ukraine (HUR)",
                "statement": "hur",
                "status": "unverified",
                "evidence": [
                    ("audio_popasna", "supports", ""),
                    (
                        "cnn_popasna",
                        "context",
                        "CNN cannot guarantee the authenticity of the recording.",
                    ),
                ],
            },
            {
                "text": "The voices on the recording are those of Russian soldiers.",
                "claimant": "Main Intelligence Directorate of Ukraine (HUR)",
                "statement": "hur",
                "status": "unverified",
                "evidence": [("audio_popasna", "supports", "")],
            },
        ],
    },
]

USERS = [
    # username, first name, last name, role (group name or None for superuser)
    ("researcher", "Rita", "Researcher", "Researchers"),
    ("editor", "Eddie", "Editor", "Editors"),
    ("admin", "Ada", "Admin", None),
]
