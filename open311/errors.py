"""The one error of the Open311 endpoints: an HTTP status and the spec's description."""


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description
