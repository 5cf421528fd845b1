//! A streaming XML reader for the import formats: elements opened and closed with their
//! text, the path to them, and the line the reader is at (for error messages).

use std::io::BufRead;

use quick_xml::events::Event;

use super::Malformed;

/// Counts the lines of what the XML parser consumed.
struct Lines<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Lines<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let upto = amount.min(buf.len());
            self.newlines += buf[..upto].iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.inner.consume(amount);
    }
}

/// What the reader met.
#[derive(Debug)]
pub enum Node {
    /// `<name …>`, with its attributes.
    Open {
        name: String,
        attributes: Vec<(String, String)>,
    },
    /// `</name>`, with the text directly inside it (entities and CDATA resolved).
    Close {
        name: String,
        text: String,
    },
    End,
}

/// Reads `Node`s from a stream.
pub struct Reader<R: BufRead> {
    xml: quick_xml::Reader<Lines<R>>,
    buf: Vec<u8>,
    path: Vec<String>,
    text: String,
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R) -> Self {
        let mut xml = quick_xml::Reader::from_reader(Lines {
            inner: input,
            newlines: 0,
        });
        let config = xml.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        Self {
            xml,
            buf: Vec::new(),
            path: Vec::new(),
            text: String::new(),
        }
    }

    /// The line the reader is on (1-based).
    pub fn line(&self) -> u64 {
        self.xml.get_ref().newlines + 1
    }

    /// The open elements around the reader, outermost first.
    pub fn path(&self) -> &[String] {
        &self.path
    }

    /// The name of the element that encloses the current one.
    pub fn parent(&self) -> Option<&str> {
        self.path.last().map(String::as_str)
    }

    pub fn malformed(&self, message: impl Into<String>) -> Malformed {
        Malformed {
            line: self.line(),
            message: message.into(),
        }
    }

    /// The next element opened or closed (`Close` pops the path first, so `parent()`
    /// names the closed element's parent).
    pub fn next(&mut self) -> Result<Node, Malformed> {
        loop {
            self.buf.clear();
            let event = self
                .xml
                .read_event_into(&mut self.buf)
                .map_err(|e| Malformed {
                    line: self.xml.get_ref().newlines + 1,
                    message: format!("not well-formed XML: {e}"),
                })?;
            match event {
                Event::Start(start) => {
                    let name = start.name().as_ref().to_owned();
                    let mut attributes = Vec::new();
                    for attribute in start.attributes() {
                        let attribute = attribute.map_err(|e| Malformed {
                            line: self.xml.get_ref().newlines + 1,
                            message: format!("a broken attribute in <{name}>: {e}"),
                        })?;
                        let key = attribute.key.as_ref().to_owned();
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| Malformed {
                                line: self.xml.get_ref().newlines + 1,
                                message: format!("attribute {key} of <{name}>: {e}"),
                            })?
                            .into_owned();
                        attributes.push((key, value));
                    }
                    self.path.push(name.clone());
                    self.text.clear();
                    return Ok(Node::Open { name, attributes });
                }
                Event::End(end) => {
                    let name = end.name().as_ref().to_owned();
                    self.path.pop();
                    let text = std::mem::take(&mut self.text);
                    return Ok(Node::Close { name, text });
                }
                Event::Text(text) => self.text.push_str(&text.xml10_content()),
                Event::CData(data) => self.text.push_str(&data.xml10_content()),
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = reference.xml10_content();
                            quick_xml::escape::resolve_xml_entity(&name)
                                .or_else(|| quick_xml::escape::resolve_html5_entity(&name))
                                .ok_or_else(|| Malformed {
                                    line: self.xml.get_ref().newlines + 1,
                                    message: format!("unknown entity &{name};"),
                                })?
                                .to_owned()
                        }
                        Err(e) => {
                            return Err(Malformed {
                                line: self.xml.get_ref().newlines + 1,
                                message: format!("a broken character reference: {e}"),
                            });
                        }
                    };
                    self.text.push_str(&resolved);
                }
                Event::Eof => {
                    if let Some(open) = self.path.last() {
                        return Err(self
                            .malformed(format!("the file ends inside <{open}>: it is cut short")));
                    }
                    return Ok(Node::End);
                }
                _ => {}
            }
        }
    }
}

/// An attribute's value.
pub fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}
