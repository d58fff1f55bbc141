"""Read the fields of a rendered HTML form the way a browser would submit them."""

from html.parser import HTMLParser


class _FormParser(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = form_id is None
        self.depth = 0
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._select_value = None
        self._first_option = None
        self._textarea = None
        self._option_value = None
        self._option_text = ""

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.form_id is not None and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if "disabled" in attrs:
            name = None  # browsers do not submit disabled fields
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
                return
            self._add(name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")
        elif tag == "select":
            self._select = name
            self._select_value = None
            self._first_option = None
        elif tag == "option" and self._select:
            value = attrs.get("value")
            self._option_value = value
            self._option_text = ""
            if value is not None and self._first_option is None:
                self._first_option = value
            if "selected" in attrs and value is not None:
                self._select_value = value

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
            return
        if tag == "select" and self._select:
            value = self._select_value if self._select_value is not None else self._first_option
            if value is not None:
                self._add(self._select, value)
            self._select = None
        if tag == "form" and self.form_id is not None and self.in_form:
            self.in_form = False


def form_data(html: str, form_id: str | None = None) -> dict[str, list[str] | str]:
    """The name/value pairs a browser would post for the form (the first one, or ``form_id``)."""
    parser = _FormParser(form_id)
    parser.feed(html)
    # Textareas render a leading newline that browsers drop.
    return {
        name: (values[0].removeprefix("\n") if len(values) == 1 else values)
        for name, values in parser.data.items()
    }


def submit(client, url: str, changes: dict, form_id: str | None = None, drop: tuple = ()):
    """GET ``url``, fill its form as a browser would, apply ``changes`` and POST it back."""
    page = client.get(url)
    assert page.status_code == 200, f"GET {url} answered {page.status_code}"
    data = form_data(page.content.decode(), form_id)
    data = {name: value for name, value in data.items() if "__prefix__" not in name}
    for name in drop:
        data.pop(name, None)
    data.update(changes)
    return client.post(url, data)
