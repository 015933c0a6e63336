"""The one error the insight code raises for bad input: a message in Chinese and in English,
shown as it is by the command line and the pages. Nothing has been written when it is raised."""


class InsightError(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
