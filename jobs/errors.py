"""What a job handler raises to tell the runner how it failed."""


class Retryable(Exception):
    """A passing failure (a timeout, a 503, a broker hiccup): try again after the backoff.

    The message is kept as the job's reason, for people: say what happened in plain words.
    """


class Failed(Exception):
    """A failure that trying again will not mend (a 404, a refused address): give up now."""
