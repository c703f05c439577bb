//! The JUnit XML of a report's suites, by hand (the format is small):
//! attribute values and text escaped, and the characters XML 1.0 cannot
//! hold at all replaced, whatever a step report or a bug title contains.

use std::fmt::Write as _;

use super::{Status, Suite};

pub(super) fn render(suites: &[Suite]) -> String {
    let count = |f: fn(&Status) -> bool| -> usize {
        suites
            .iter()
            .flat_map(|s| &s.cases)
            .filter(|c| f(&c.status))
            .count()
    };
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let time: f64 = suites.iter().map(|s| s.seconds).sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"playtest\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
        count(|s| matches!(s, Status::Failure { .. })),
        count(|s| matches!(s, Status::Error { .. })),
        count(|s| matches!(s, Status::Skipped { .. })),
    );
    for suite in suites {
        render_suite(&mut xml, suite);
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn render_suite(xml: &mut String, suite: &Suite) {
    let count = |f: fn(&Status) -> bool| suite.cases.iter().filter(|c| f(&c.status)).count();
    let _ = write!(
        xml,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\"",
        attr(&suite.name),
        suite.cases.len(),
        count(|s| matches!(s, Status::Failure { .. })),
        count(|s| matches!(s, Status::Error { .. })),
        count(|s| matches!(s, Status::Skipped { .. })),
        suite.seconds,
    );
    if let Some(at) = &suite.timestamp {
        let _ = write!(xml, " timestamp=\"{}\"", attr(at));
    }
    xml.push_str(">\n    <properties>\n");
    for (name, value) in &suite.properties {
        let _ = writeln!(
            xml,
            "      <property name=\"{}\" value=\"{}\"/>",
            attr(name),
            attr(value)
        );
    }
    xml.push_str("    </properties>\n");
    for case in &suite.cases {
        let _ = write!(
            xml,
            "    <testcase name=\"{}\" classname=\"{}\"",
            attr(&case.name),
            attr(&suite.name)
        );
        if let Some(seconds) = case.seconds {
            let _ = write!(xml, " time=\"{seconds:.3}\"");
        }
        let inner = match &case.status {
            Status::Passed => None,
            Status::Failure { message, body } => Some(format!(
                "<failure message=\"{}\" type=\"failure\">{}</failure>",
                attr(message),
                text(body)
            )),
            Status::Error { kind, message } => Some(format!(
                "<error message=\"{}\" type=\"{}\"/>",
                attr(message),
                attr(kind)
            )),
            Status::Skipped { message } => {
                Some(format!("<skipped message=\"{}\"/>", attr(message)))
            }
        };
        match inner {
            None => xml.push_str("/>\n"),
            Some(inner) => {
                let _ = writeln!(xml, ">\n      {inner}\n    </testcase>");
            }
        }
    }
    if !suite.out.is_empty() {
        let _ = writeln!(xml, "    <system-out>{}</system-out>", text(&suite.out));
    }
    xml.push_str("  </testsuite>\n");
}

/// Text content: markup characters escaped, characters XML 1.0 cannot
/// hold at all (most control characters) replaced.
fn text(value: &str) -> String {
    escape(value, false)
}

/// An attribute value: as [`text`], and quotes and line breaks escaped too
/// (a parser would turn a raw line break into a space).
fn attr(value: &str) -> String {
    escape(value, true)
}

fn escape(value: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\r' if in_attribute => out.push_str("&#13;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_quotes_and_control_characters_are_escaped() {
        assert_eq!(text("a < b & c > d"), "a &lt; b &amp; c &gt; d");
        assert_eq!(text("say \"hi\"\n"), "say \"hi\"\n");
        assert_eq!(
            attr("say \"hi\"\n'x'"),
            "say &quot;hi&quot;&#10;&apos;x&apos;"
        );
        assert_eq!(text("bell\u{7}nul\u{0}"), "bell\u{FFFD}nul\u{FFFD}");
    }
}
