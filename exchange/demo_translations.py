"""The demo incidents in Ukrainian (issue 15): the seed reports are English-language news, so the
English text is the original and these are translations, as an editor would enter them.

Keyed by the incident's slug and by each claim's English text, so that the English data set in
``demo_data`` stays as it was.
"""

UK = {
    "zaporizhzhia-2024-11-execution-of-surrendering-soldiers": {
        "title_uk": "Страта українських військових, які здавалися в полон, знята дроном, Запорізька область",
        "summary_uk": (
            "На відео з дрона видно шістьох українських військових, які лежать обличчям донизу; "
            "щонайменше двох застрелено з близької відстані, ще одного кудись відводять. У "
            "перехоплених радіопереговорах, які українські посадовці пов’язують із цим відео, "
            "звучить наказ «командира захопити, решту вбити»."
        ),
        "description_uk": (
            "За даними CNN, на які посилається УНН, радіопереговори, перехоплені Україною й "
            "отримані від представника української розвідки, ймовірно, збігаються з відеозаписом "
            "із дрона, на якому зафіксовано ймовірну страту українських військових російськими "
            "військовими в Запорізькій області в листопаді 2024 року. Українські прокурори "
            "розслідують ці смерті й оприлюднили в соцмережах скриншот відео з дрона. CNN не змогла "
            "незалежно автентифікувати радіопереговори чи підтвердити, що вони стосуються цього "
            "відео; судовий експерт, який аналізував аудіозапис, заявив, що він не схожий на "
            "підробку. Спеціальний доповідач ООН щодо позасудових страт і представник західної "
            "розвідки заявили, що ці матеріали узгоджуються з іншими випадками страт російськими "
            "силами військових, які здалися в полон."
        ),
        "claims": {
            "Drone footage shows six Ukrainian soldiers lying face down on the ground, at least "
            "two of them shot at close range and another led away.": (
                "На відео з дрона видно шістьох українських військових, які лежать обличчям донизу "
                "на землі; щонайменше двох із них застрелено з близької відстані, ще одного "
                "відводять."
            ),
            "Ukraine's prosecutors posted a screenshot of the drone video on social media after "
            "the incident and are investigating the deaths as murder.": (
                "Після інциденту українські прокурори оприлюднили в соцмережах скриншот відео з "
                "дрона й розслідують ці смерті як умисне вбивство."
            ),
            'Intercepted Russian radio traffic contains the order "seize the commander and kill '
            'the rest".': (
                "Перехоплені російські радіопереговори містять наказ «командира захопити, решту "
                "вбити»."
            ),
            "The intercepted radio orders relate to the execution shown in the drone footage.": (
                "Перехоплені накази по радіо стосуються страти, зафіксованої на відео з дрона."
            ),
            "The radio broadcasts and drone recordings are consistent with other cases in which "
            "Russian forces executed Ukrainian soldiers who had surrendered.": (
                "Радіопереговори та записи з дрона узгоджуються з іншими випадками, коли російські "
                "сили страчували українських військових, які здалися в полон."
            ),
            "Executions of surrendering Ukrainian prisoners of war have become systemic, "
            "indicating a policy approved by Russia's top political and military leadership.": (
                "Страти українських військовополонених, які здаються в полон, набули системного "
                "характеру, що вказує на політику, схвалену вищим політичним і військовим "
                "керівництвом Росії."
            ),
            "As of 5 May 2025 Ukrainian prosecutors had opened 75 criminal cases on suspicion of "
            "executions of 268 Ukrainian prisoners of war.": (
                "Станом на 5 травня 2025 року українські прокурори розпочали 75 кримінальних "
                "проваджень за фактами страти 268 українських військовополонених."
            ),
        },
    },
    "popasna-2022-04-intercepted-order-to-kill-prisoners": {
        "title_uk": "Перехоплений наказ убити українських військовополонених, район Попасної",
        "summary_uk": (
            "Воєнна розвідка України оприлюднила аудіоперехоплення, у якому російські військові, "
            "ймовірно, обговорюють наказ убити українських військовополонених, яких утримують у "
            "районі Попасної, залишивши живими лише найвищих за званням."
        ),
        "description_uk": (
            "20 квітня 2022 року Головне управління розвідки Міністерства оборони України (ГУР) "
            "оприлюднило ймовірне перехоплення переговорів російських військ. На ньому невідомі "
            "російські військові, ймовірно, кажуть: «найвищих за званням серед них залишити, а решту "
            "відпустити назавжди … щоб їх більше ніхто не бачив, зокрема родичі». ГУР "
            "описує це як наказ убити всіх українських військовополонених, які перебувають у них у "
            "полоні в районі Попасної. CNN не змогла гарантувати автентичність запису й попросила "
            "коментар у Міністерства оборони Росії."
        ),
        "claims": {
            "Ukraine's military intelligence published an audio intercept of Russian soldiers "
            "discussing prisoners of war in the Popasna area on 20 April 2022.": (
                "20 квітня 2022 року воєнна розвідка України оприлюднила аудіоперехоплення, у "
                "якому російські військові обговорюють військовополонених у районі Попасної."
            ),
            "The recording contains an order to kill all Ukrainian prisoners of war held in the "
            "Popasna area except the highest-ranking.": (
                "Запис містить наказ убити всіх українських військовополонених, яких утримують у "
                "районі Попасної, крім найвищих за званням."
            ),
            "The voices on the recording are those of Russian soldiers.": (
                "Голоси на записі належать російським військовим."
            ),
        },
    },
}
