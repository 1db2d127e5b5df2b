"""The progress bar: rate and time left on a terminal, one summary line in a log."""

import io

from tinyseqkd.progress import ProgressBar, clock


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_line_shows_count_rate_and_time_left():
    bar = ProgressBar(500, doing="distilling", done="distilled", stream=Terminal())
    bar.done = 120
    line = bar.line(bar.start + 10.0)
    assert line == ("distilling [#####...................] 120/500 sentences, 12.0 sentences/s, 0:31 left")


def test_in_a_log_only_the_summary_is_written():
    stream = io.StringIO()
    bar = ProgressBar(3, stream=stream)
    bar(2)
    bar(1)
    assert stream.getvalue() == ""
    bar.close()
    assert stream.getvalue().startswith("translated 3 sentences in ")


def test_clock_shows_hours_only_when_needed():
    assert (clock(31.9), clock(3599), clock(3600 + 61)) == ("0:31", "59:59", "1:01:01")
