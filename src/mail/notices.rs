//! The texts of statements of reasons and appeal outcomes (`Kind::DecisionNotice`,
//! `Kind::AppealOutcome`) in each account language. Every value is plain text: the
//! layout in `templates::render` escapes it for HTML.

use chrono::{DateTime, Utc};

use super::templates::{Kind, Notice, Parts, Values};
use crate::domain::user::Language;

/// A time for people, in UTC (the mail cannot know the reader's zone).
fn when(language: Language, at: DateTime<Utc>) -> String {
    let format = match language {
        Language::De => "%d.%m.%Y, %H:%M UTC",
        Language::En => "%-d %B %Y, %H:%M UTC",
        Language::Vi => "%H:%M UTC ngày %d/%m/%Y",
    };
    at.format(format).to_string()
}

/// A ground in words.
fn ground(language: Language, reason: &str) -> String {
    let (de, en, vi) = match reason {
        "spam" => ("Spam", "spam", "thư rác"),
        "offensive" => (
            "beleidigender Inhalt",
            "offensive content",
            "nội dung xúc phạm",
        ),
        "abusive" => (
            "missbräuchlicher Inhalt",
            "abusive content",
            "nội dung lăng mạ",
        ),
        "harassment" => ("Belästigung", "harassment", "quấy rối"),
        "hate_speech" => ("Hassrede", "hate speech", "ngôn từ thù ghét"),
        "illegal_content" => (
            "rechtswidriger Inhalt",
            "illegal content",
            "nội dung bất hợp pháp",
        ),
        "misinformation" => ("Falschinformation", "misinformation", "thông tin sai lệch"),
        "off_topic" => ("nicht zum Thema", "off topic", "lạc đề"),
        "advertising" => ("Werbung", "advertising", "quảng cáo"),
        "other" => (
            "ein anderer Verstoß gegen die Diskussionsregeln",
            "another breach of the discussion rules",
            "vi phạm khác đối với quy tắc thảo luận",
        ),
        "banned_word" => (
            "der Text enthält ein Wort aus der Liste gesperrter Wörter",
            "the text contains a word on the list of banned words",
            "văn bản chứa một từ trong danh sách từ bị cấm",
        ),
        "flagged" => (
            "mehrere Leserinnen und Leser haben den Kommentar gemeldet",
            "several readers reported the comment",
            "nhiều độc giả đã báo cáo bình luận",
        ),
        other => (other, other, other),
    };
    match language {
        Language::De => de,
        Language::En => en,
        Language::Vi => vi,
    }
    .to_owned()
}

/// The paragraphs of a statement of reasons or an appeal's outcome.
pub(super) fn parts(kind: Kind, language: Language, v: &Values<'_>, n: &Notice) -> Parts {
    match language {
        Language::De => german(kind, v, n),
        Language::En => english(kind, v, n),
        Language::Vi => vietnamese(kind, v, n),
    }
}

fn english(kind: Kind, v: &Values<'_>, n: &Notice) -> Parts {
    let (site, l) = (v.site, Language::En);
    let date = when(l, n.decided_at);
    let until = n.banned_until.map(|u| when(l, u));
    let mut before = Vec::new();
    let subject;
    if kind == Kind::AppealOutcome {
        let reversed = n.outcome.as_deref() == Some("reversed");
        subject = if reversed {
            format!("Your appeal on {site} succeeded")
        } else {
            format!("Your appeal on {site}: the decision stands")
        };
        let against = if n.action == "ban" {
            "the block on your account"
        } else {
            "the decision on your comment"
        };
        before.push(format!(
            "a moderator who did not take the first decision has decided your appeal against {against} (decided {date})."
        ));
        before.push(match (reversed, n.action == "ban") {
            (false, _) => "Outcome: the decision stands.".to_owned(),
            (true, false) => {
                "Outcome: the decision is reversed; your comment is shown again.".to_owned()
            }
            (true, true) => {
                "Outcome: the decision is reversed; your account is no longer blocked.".to_owned()
            }
        });
        push_comment(&mut before, l, n);
        if let Some(note) = &n.note {
            before.push(format!("The moderator's reasons: {note}"));
        }
        if v.link.is_some() {
            before.push("You can see the decisions about you and their state here:".into());
        }
        let mut after = Vec::new();
        if !reversed {
            after.push("If you disagree, you may turn to a certified out-of-court dispute settlement body or to a court.".into());
        }
        return Parts {
            subject,
            greeting: format!("Hello {},", v.username),
            before,
            after,
        };
    }
    subject = match (n.action.as_str(), until.is_some()) {
        ("ban", true) => format!("Your account on {site} is suspended"),
        ("ban", false) => format!("Your account on {site} is blocked"),
        ("auto_hide", _) => {
            format!("Your comment on {site} is hidden until a moderator reviews it")
        }
        _ => format!("Your comment on {site} was rejected"),
    };
    before.push(match (n.action.as_str(), n.means.as_str()) {
        ("ban", _) => match &until {
            Some(u) => format!("on {date} a moderator suspended your account until {u}: you can read and sign in, but not write, like or report."),
            None => format!("on {date} a moderator blocked your account: you can read and sign in, but not write, like or report."),
        },
        ("auto_hide", _) => format!("on {date} your comment was hidden automatically because readers reported it. It waits for a moderator's review."),
        (_, "word_list") => format!("on {date} your comment was rejected automatically, by the list of banned words. Other readers do not see it."),
        (_, "hook") => format!("on {date} your comment was rejected automatically, by the automatic moderation service. Other readers do not see it."),
        _ => format!("on {date} a moderator rejected your comment. Other readers no longer see it."),
    });
    push_comment(&mut before, l, n);
    if let Some(reason) = &n.reason {
        before.push(format!("Ground: {}.", ground(l, reason)));
    }
    if let Some(statement) = &n.statement {
        before.push(format!("Reasons given: {statement}"));
    }
    before.push(if n.means == "moderator" {
        "This decision was taken by a person, not by automatic means.".into()
    } else {
        "This decision was taken by automatic means.".into()
    });
    let mut after = Vec::new();
    match (&n.appeal_until, v.link.is_some()) {
        (Some(deadline), true) => before.push(format!(
            "You can contest it until {}: open the comments under the article (this link), sign in, and write your appeal under “Decisions about you”. A moderator who did not take this decision will review it.",
            when(l, *deadline)
        )),
        (Some(deadline), false) => before.push(format!(
            "You can contest it until {}: open the comments under any article of the publisher, sign in, choose “Decisions about you” in your menu and write your appeal there. A moderator who did not take this decision will review it.",
            when(l, *deadline)
        )),
        (None, _) => {
            if n.action == "auto_hide" {
                before.push("This is not yet a decision and cannot be contested itself: if a moderator rejects the comment, you will be told, and can contest that.".into());
            }
            if v.link.is_some() {
                before.push("You can see the decisions about you here:".into());
            }
        }
    }
    after
        .push("This is a statement of reasons under the EU Digital Services Act (Art. 17).".into());
    Parts {
        subject,
        greeting: format!("Hello {},", v.username),
        before,
        after,
    }
}

fn german(kind: Kind, v: &Values<'_>, n: &Notice) -> Parts {
    let (site, l) = (v.site, Language::De);
    let date = when(l, n.decided_at);
    let until = n.banned_until.map(|u| when(l, u));
    let mut before = Vec::new();
    let subject;
    if kind == Kind::AppealOutcome {
        let reversed = n.outcome.as_deref() == Some("reversed");
        subject = if reversed {
            format!("Ihr Einspruch bei {site} war erfolgreich")
        } else {
            format!("Ihr Einspruch bei {site}: Die Entscheidung bleibt bestehen")
        };
        let against = if n.action == "ban" {
            "die Sperre Ihres Kontos"
        } else {
            "die Entscheidung über Ihren Kommentar"
        };
        before.push(format!(
            "eine Moderatorin oder ein Moderator, die oder der die erste Entscheidung nicht getroffen hat, hat über Ihren Einspruch gegen {against} (entschieden am {date}) entschieden."
        ));
        before.push(match (reversed, n.action == "ban") {
            (false, _) => "Ergebnis: Die Entscheidung bleibt bestehen.".to_owned(),
            (true, false) => {
                "Ergebnis: Die Entscheidung wird aufgehoben; Ihr Kommentar ist wieder sichtbar."
                    .to_owned()
            }
            (true, true) => {
                "Ergebnis: Die Entscheidung wird aufgehoben; Ihr Konto ist nicht mehr gesperrt."
                    .to_owned()
            }
        });
        push_comment(&mut before, l, n);
        if let Some(note) = &n.note {
            before.push(format!("Begründung: {note}"));
        }
        if v.link.is_some() {
            before.push("Die Entscheidungen über Sie und ihren Stand sehen Sie hier:".into());
        }
        let mut after = Vec::new();
        if !reversed {
            after.push("Wenn Sie nicht einverstanden sind, können Sie sich an eine zertifizierte außergerichtliche Streitbeilegungsstelle oder an ein Gericht wenden.".into());
        }
        return Parts {
            subject,
            greeting: format!("Hallo {},", v.username),
            before,
            after,
        };
    }
    subject = match (n.action.as_str(), until.is_some()) {
        ("ban", true) => format!("Ihr Konto bei {site} ist vorübergehend gesperrt"),
        ("ban", false) => format!("Ihr Konto bei {site} ist gesperrt"),
        ("auto_hide", _) => format!("Ihr Kommentar bei {site} ist bis zur Prüfung ausgeblendet"),
        _ => format!("Ihr Kommentar bei {site} wurde abgelehnt"),
    };
    before.push(match (n.action.as_str(), n.means.as_str()) {
        ("ban", _) => match &until {
            Some(u) => format!("am {date} hat die Moderation Ihr Konto bis {u} gesperrt: Sie können lesen und sich anmelden, aber nicht schreiben, liken oder melden."),
            None => format!("am {date} hat die Moderation Ihr Konto gesperrt: Sie können lesen und sich anmelden, aber nicht schreiben, liken oder melden."),
        },
        ("auto_hide", _) => format!("am {date} wurde Ihr Kommentar automatisch ausgeblendet, weil Leserinnen und Leser ihn gemeldet haben. Er wartet auf die Prüfung durch die Moderation."),
        (_, "word_list") => format!("am {date} wurde Ihr Kommentar automatisch abgelehnt, durch die Liste gesperrter Wörter. Andere sehen ihn nicht."),
        (_, "hook") => format!("am {date} wurde Ihr Kommentar automatisch abgelehnt, durch den automatischen Moderationsdienst. Andere sehen ihn nicht."),
        _ => format!("am {date} hat die Moderation Ihren Kommentar abgelehnt. Andere sehen ihn nicht mehr."),
    });
    push_comment(&mut before, l, n);
    if let Some(reason) = &n.reason {
        before.push(format!("Grund: {}.", ground(l, reason)));
    }
    if let Some(statement) = &n.statement {
        before.push(format!("Begründung: {statement}"));
    }
    before.push(if n.means == "moderator" {
        "Diese Entscheidung hat ein Mensch getroffen, nicht ein automatisches Verfahren.".into()
    } else {
        "Diese Entscheidung wurde automatisch getroffen.".into()
    });
    let mut after = Vec::new();
    match (&n.appeal_until, v.link.is_some()) {
        (Some(deadline), true) => before.push(format!(
            "Sie können bis {} Einspruch einlegen: Öffnen Sie die Kommentare unter dem Artikel (dieser Link), melden Sie sich an und schreiben Sie Ihren Einspruch unter „Entscheidungen über Sie“. Ihn prüft jemand, der diese Entscheidung nicht getroffen hat.",
            when(l, *deadline)
        )),
        (Some(deadline), false) => before.push(format!(
            "Sie können bis {} Einspruch einlegen: Öffnen Sie die Kommentare unter einem beliebigen Artikel des Verlags, melden Sie sich an, wählen Sie in Ihrem Menü „Entscheidungen über Sie“ und schreiben Sie dort Ihren Einspruch. Ihn prüft jemand, der diese Entscheidung nicht getroffen hat.",
            when(l, *deadline)
        )),
        (None, _) => {
            if n.action == "auto_hide" {
                before.push("Das ist noch keine Entscheidung und kann selbst nicht angefochten werden: Lehnt die Moderation den Kommentar ab, erfahren Sie es und können dagegen Einspruch einlegen.".into());
            }
            if v.link.is_some() {
                before.push("Die Entscheidungen über Sie sehen Sie hier:".into());
            }
        }
    }
    after.push(
        "Dies ist eine Begründung nach dem Gesetz über digitale Dienste der EU (Art. 17).".into(),
    );
    Parts {
        subject,
        greeting: format!("Hallo {},", v.username),
        before,
        after,
    }
}

fn vietnamese(kind: Kind, v: &Values<'_>, n: &Notice) -> Parts {
    let (site, l) = (v.site, Language::Vi);
    let date = when(l, n.decided_at);
    let until = n.banned_until.map(|u| when(l, u));
    let mut before = Vec::new();
    let subject;
    if kind == Kind::AppealOutcome {
        let reversed = n.outcome.as_deref() == Some("reversed");
        subject = if reversed {
            format!("Khiếu nại của bạn tại {site} đã được chấp nhận")
        } else {
            format!("Khiếu nại của bạn tại {site}: quyết định được giữ nguyên")
        };
        let against = if n.action == "ban" {
            "việc khóa tài khoản của bạn"
        } else {
            "quyết định về bình luận của bạn"
        };
        before.push(format!(
            "một người kiểm duyệt không tham gia quyết định ban đầu đã xem xét khiếu nại của bạn đối với {against} (quyết định lúc {date})."
        ));
        before.push(match (reversed, n.action == "ban") {
            (false, _) => "Kết quả: quyết định được giữ nguyên.".to_owned(),
            (true, false) => {
                "Kết quả: quyết định bị hủy; bình luận của bạn được hiển thị lại.".to_owned()
            }
            (true, true) => {
                "Kết quả: quyết định bị hủy; tài khoản của bạn không còn bị khóa.".to_owned()
            }
        });
        push_comment(&mut before, l, n);
        if let Some(note) = &n.note {
            before.push(format!("Lý do của người kiểm duyệt: {note}"));
        }
        if v.link.is_some() {
            before.push("Bạn có thể xem các quyết định về bạn tại đây:".into());
        }
        let mut after = Vec::new();
        if !reversed {
            after.push("Nếu không đồng ý, bạn có thể liên hệ một cơ quan giải quyết tranh chấp ngoài tòa án được chứng nhận hoặc tòa án.".into());
        }
        return Parts {
            subject,
            greeting: format!("Xin chào {},", v.username),
            before,
            after,
        };
    }
    subject = match (n.action.as_str(), until.is_some()) {
        ("ban", true) => format!("Tài khoản của bạn tại {site} bị tạm khóa"),
        ("ban", false) => format!("Tài khoản của bạn tại {site} bị khóa"),
        ("auto_hide", _) => format!("Bình luận của bạn tại {site} bị ẩn chờ kiểm duyệt"),
        _ => format!("Bình luận của bạn tại {site} đã bị từ chối"),
    };
    before.push(match (n.action.as_str(), n.means.as_str()) {
        ("ban", _) => match &until {
            Some(u) => format!("lúc {date}, người kiểm duyệt đã tạm khóa tài khoản của bạn đến {u}: bạn vẫn đọc và đăng nhập được, nhưng không thể viết, thích hay báo cáo."),
            None => format!("lúc {date}, người kiểm duyệt đã khóa tài khoản của bạn: bạn vẫn đọc và đăng nhập được, nhưng không thể viết, thích hay báo cáo."),
        },
        ("auto_hide", _) => format!("lúc {date}, bình luận của bạn đã tự động bị ẩn vì độc giả báo cáo. Bình luận đang chờ người kiểm duyệt xem xét."),
        (_, "word_list") => format!("lúc {date}, bình luận của bạn đã tự động bị từ chối bởi danh sách từ bị cấm. Người khác không thấy bình luận này."),
        (_, "hook") => format!("lúc {date}, bình luận của bạn đã tự động bị từ chối bởi dịch vụ kiểm duyệt tự động. Người khác không thấy bình luận này."),
        _ => format!("lúc {date}, người kiểm duyệt đã từ chối bình luận của bạn. Người khác không còn thấy bình luận này."),
    });
    push_comment(&mut before, l, n);
    if let Some(reason) = &n.reason {
        before.push(format!("Lý do: {}.", ground(l, reason)));
    }
    if let Some(statement) = &n.statement {
        before.push(format!("Giải thích: {statement}"));
    }
    before.push(if n.means == "moderator" {
        "Quyết định này do con người đưa ra, không phải bằng phương tiện tự động.".into()
    } else {
        "Quyết định này được đưa ra bằng phương tiện tự động.".into()
    });
    let mut after = Vec::new();
    match (&n.appeal_until, v.link.is_some()) {
        (Some(deadline), true) => before.push(format!(
            "Bạn có thể khiếu nại đến {}: mở phần bình luận dưới bài viết (liên kết này), đăng nhập và viết khiếu nại trong mục “Quyết định về bạn”. Một người kiểm duyệt không đưa ra quyết định này sẽ xem xét.",
            when(l, *deadline)
        )),
        (Some(deadline), false) => before.push(format!(
            "Bạn có thể khiếu nại đến {}: mở phần bình luận dưới bất kỳ bài viết nào của tòa soạn, đăng nhập, chọn “Quyết định về bạn” trong menu và viết khiếu nại ở đó. Một người kiểm duyệt không đưa ra quyết định này sẽ xem xét.",
            when(l, *deadline)
        )),
        (None, _) => {
            if n.action == "auto_hide" {
                before.push("Đây chưa phải là quyết định và không thể khiếu nại: nếu người kiểm duyệt từ chối bình luận, bạn sẽ được thông báo và có thể khiếu nại quyết định đó.".into());
            }
            if v.link.is_some() {
                before.push("Bạn có thể xem các quyết định về bạn tại đây:".into());
            }
        }
    }
    after.push(
        "Đây là bản giải thích lý do theo Đạo luật Dịch vụ Kỹ thuật số của EU (Điều 17).".into(),
    );
    Parts {
        subject,
        greeting: format!("Xin chào {},", v.username),
        before,
        after,
    }
}

/// The facts of the comment decided on, if any: where and when it was written, and how
/// it began.
fn push_comment(before: &mut Vec<String>, language: Language, n: &Notice) {
    let Some(c) = &n.comment else { return };
    let posted = when(language, c.posted_at);
    before.push(match language {
        Language::De => format!("Ihr Kommentar vom {posted} unter „{}“:", c.article),
        Language::En => format!("Your comment of {posted} under “{}”:", c.article),
        Language::Vi => format!("Bình luận của bạn lúc {posted} dưới bài “{}”:", c.article),
    });
    before.push(format!("“{}”", c.excerpt));
}
