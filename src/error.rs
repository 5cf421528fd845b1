//! `ApiError`: everything a client may learn about a failure, rendered as RFC 9457
//! problem details with the contract's stable `code`, plus the extractor error handlers
//! that make actix's own failures speak the same format.

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct FieldError {
    /// The request field, as named in the JSON body or query.
    pub field: String,
    /// What is wrong with it, for people.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Gathers field errors so one answer can report every invalid field.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The value, or `None` with the message recorded against `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|m| self.0.push(FieldError::new(field, m)))
            .ok()
    }

    /// Whether every check passed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The 422 carrying every recorded field.
    pub fn into_error(self) -> ApiError {
        ApiError::Validation(self.0)
    }
}

/// 403 answers that are not bans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forbidden {
    /// The caller's role does not allow this.
    NotAllowed,
    RegistrationClosed,
    /// The current password given to change or erase an account is wrong.
    WrongPassword,
    /// The caller took the decision under appeal, or filed the appeal.
    ConflictOfInterest,
}

/// 409 answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    UsernameTaken,
    EmailTaken,
    AlreadyFlagged,
    ArticleClosed,
    EditWindowPassed,
    LastAdmin,
    /// No decision of the caller's is the latest thing that happened to the comment.
    NothingToUndo,
    /// The caller's decision is older than the undo window.
    UndoWindowPassed,
    /// The account's address is verified already.
    EmailAlreadyVerified,
    /// The account has no email address (a single sign-on account without one).
    NoEmail,
    /// The decision was appealed already (once per decision).
    AlreadyAppealed,
    /// The appeal was decided already.
    AppealDecided,
    /// Notifications go only to a verified address, and this account's is not.
    EmailNotVerified,
}

/// Every error a handler can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("malformed request: {0}")]
    Malformed(String),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden: {0:?}")]
    Forbidden(Forbidden),
    #[error("account banned")]
    AccountBanned { until: Option<DateTime<Utc>> },
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// An appeal after its deadline (six months after the decision).
    #[error("appeal window passed")]
    AppealWindowPassed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("request timeout")]
    RequestTimeout { after_secs: u64 },
    #[error("invalid link")]
    InvalidLink,
    #[error("mail not configured")]
    MailNotConfigured,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("unexpected error")]
    Unexpected(#[source] anyhow::Error),
}

impl From<crate::domain::invalid::Invalid> for ApiError {
    fn from(refused: crate::domain::invalid::Invalid) -> Self {
        Self::invalid(refused.field, refused.message)
    }
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    /// Status, stable code, title and detail of this error.
    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        use StatusCode as S;
        match self {
            Self::Validation(_) => (
                S::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "Validation failed",
                "One or more fields are invalid.".into(),
            ),
            Self::Malformed(detail) => (
                S::BAD_REQUEST,
                "malformed_request",
                "Malformed request",
                detail.clone(),
            ),
            Self::Unauthorized(detail) => (
                S::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                (*detail).to_owned(),
            ),
            Self::InvalidCredentials => (
                S::UNAUTHORIZED,
                "invalid_credentials",
                "Invalid credentials",
                "The login or the password is wrong.".into(),
            ),
            Self::Forbidden(kind) => {
                let (code, detail) = match kind {
                    Forbidden::NotAllowed => ("forbidden", "Your account may not do this."),
                    Forbidden::RegistrationClosed => (
                        "registration_closed",
                        "Registration of new accounts is closed.",
                    ),
                    Forbidden::WrongPassword => {
                        ("wrong_password", "The current password is wrong.")
                    }
                    Forbidden::ConflictOfInterest => (
                        "conflict_of_interest",
                        "Another moderator decides an appeal against your decision or by you.",
                    ),
                };
                (S::FORBIDDEN, code, "Forbidden", detail.into())
            }
            Self::AccountBanned { until } => (
                S::FORBIDDEN,
                "account_banned",
                "Account banned",
                match until {
                    Some(until) => {
                        format!("This account is suspended until {}.", until.to_rfc3339())
                    }
                    None => "This account is banned.".into(),
                },
            ),
            Self::NotFound(what) => (
                S::NOT_FOUND,
                "not_found",
                "Not found",
                format!("No such {what}."),
            ),
            Self::Conflict(kind) => {
                let (code, detail) = match kind {
                    Conflict::UsernameTaken => ("username_taken", "This username is taken."),
                    Conflict::EmailTaken => {
                        ("email_taken", "An account with this email address exists.")
                    }
                    Conflict::AlreadyFlagged => {
                        ("already_flagged", "You have already flagged this comment.")
                    }
                    Conflict::ArticleClosed => {
                        ("article_closed", "This article is closed for comments.")
                    }
                    Conflict::EditWindowPassed => (
                        "edit_window_passed",
                        "The time for editing this comment has passed.",
                    ),
                    Conflict::LastAdmin => (
                        "last_admin",
                        "The last admin cannot give up the admin role.",
                    ),
                    Conflict::NothingToUndo => (
                        "nothing_to_undo",
                        "The latest event of this comment is no decision of yours that can be undone.",
                    ),
                    Conflict::UndoWindowPassed => (
                        "undo_window_passed",
                        "The time for undoing this decision has passed.",
                    ),
                    Conflict::EmailAlreadyVerified => (
                        "email_already_verified",
                        "This account's email address is verified already.",
                    ),
                    Conflict::NoEmail => ("no_email", "This account has no email address."),
                    Conflict::AlreadyAppealed => (
                        "already_appealed",
                        "This decision has been appealed already.",
                    ),
                    Conflict::AppealDecided => {
                        ("appeal_decided", "This appeal has been decided already.")
                    }
                    Conflict::EmailNotVerified => (
                        "email_not_verified",
                        "Notifications go only to a verified email address; verify yours first.",
                    ),
                };
                (S::CONFLICT, code, "Conflict", detail.into())
            }
            Self::AppealWindowPassed => (
                S::UNPROCESSABLE_ENTITY,
                "appeal_window_passed",
                "Appeal window passed",
                "Decisions can be appealed for six months.".into(),
            ),
            Self::PayloadTooLarge => (
                S::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "Payload too large",
                format!("Request bodies are limited to {MAX_BODY_BYTES} bytes."),
            ),
            Self::UnsupportedMediaType => (
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported media type",
                "Send the body as Content-Type: application/json.".into(),
            ),
            Self::RequestTimeout { after_secs } => (
                S::REQUEST_TIMEOUT,
                "request_timeout",
                "Request timeout",
                format!("The request was not received within {after_secs} s."),
            ),
            Self::InvalidLink => (
                S::BAD_REQUEST,
                "invalid_link",
                "Invalid link",
                "This link is invalid, expired or already used; ask for a new one.".into(),
            ),
            Self::MailNotConfigured => (
                S::CONFLICT,
                "mail_not_configured",
                "Mail not configured",
                "This service sends no email (SMTP is not configured), so this is not available."
                    .into(),
            ),
            Self::RateLimited { retry_after_secs } => (
                S::TOO_MANY_REQUESTS,
                "rate_limited",
                "Too many requests",
                format!("Too many requests; retry in {retry_after_secs} s."),
            ),
            Self::Unavailable(_) => (
                S::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "The database does not answer; try again shortly.".into(),
            ),
            Self::Unexpected(_) => (
                S::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
                "Something went wrong on our side.".into(),
            ),
        }
    }
}

/// The RFC 9457 body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` carries the machine-readable kind.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable error code.
    pub code: &'static str,
    /// The fields that failed, for `validation_failed`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// End of a suspension, for `account_banned` (null: permanent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub until: Option<Option<DateTime<Utc>>>,
}

fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    let body = serde_json::to_string(problem).unwrap_or_else(|_| {
        r#"{"type":"about:blank","title":"Internal server error","status":500,"code":"internal"}"#
            .to_owned()
    });
    // The security headers are set here too, not only by the app's `DefaultHeaders`:
    // a failure some middleware returns as an error (a gate refusal, the time limit)
    // is rendered outside every middleware.
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, PROBLEM_JSON))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Unexpected(cause) => tracing::error!(error = ?cause, "unexpected error"),
            Self::Unavailable(cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "database unavailable")
            }
            _ => {}
        }
        let (status, code, title, detail) = self.parts();
        let problem = Problem {
            kind: "about:blank",
            title,
            status: status.as_u16(),
            detail,
            code,
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
            until: match self {
                Self::AccountBanned { until } => Some(*until),
                _ => None,
            },
        };
        let mut response = problem_response(status, &problem);
        if let Self::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
        }
        if let Self::Unavailable(_) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(1u32));
        }
        response
    }
}

impl ApiError {
    /// Whether this is a database connection found gone (closed, reset, never
    /// reconnected after an outage): another connection may well work.
    pub fn is_connection_lost(&self) -> bool {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        let Self::Unavailable(cause) = self else {
            return false;
        };
        cause
            .downcast_ref::<diesel::result::Error>()
            .is_some_and(|err| match err {
                E::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _) => true,
                E::BrokenTransactionManager => true,
                E::DatabaseError(K::Unknown, info) => connection_lost(info.message()),
                _ => false,
            })
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as E};
        match err {
            E::NotFound => Self::NotFound("resource"),
            // libpq could not even send the query (its socket already known dead): diesel
            // reports that as its own kind, whatever libpq's words.
            E::DatabaseError(
                K::ClosedConnection | K::UnableToSendCommand | K::SerializationFailure,
                _,
            ) => Self::Unavailable(err.into()),
            // A connection lost mid-transaction leaves diesel's transaction state broken.
            E::BrokenTransactionManager => Self::Unavailable(err.into()),
            // A unique index that no handler maps to its own 409 was hit by two requests
            // racing (e.g. a publisher's first sign-on arriving twice at once): the
            // retry finds the winner's row.
            E::DatabaseError(K::UniqueViolation, _) => Self::Unavailable(err.into()),
            // SQLite reports a lock held past busy_timeout as an unknown error.
            E::DatabaseError(K::Unknown, ref info)
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                Self::Unavailable(err.into())
            }
            // Two PostgreSQL transactions that locked rows in opposite orders (a posting
            // lane's batch and a ban that rejects comments on several articles, say):
            // PostgreSQL aborts one after a second; trying again succeeds.
            E::DatabaseError(K::Unknown, ref info)
                if info.message().contains("deadlock detected") =>
            {
                Self::Unavailable(err.into())
            }
            // A connection that dropped mid-query surfaces as an unknown error, in libpq's
            // words for however it went (closed, reset, cut while sending or receiving).
            E::DatabaseError(K::Unknown, ref info) if connection_lost(info.message()) => {
                Self::Unavailable(err.into())
            }
            other => Self::Unexpected(other.into()),
        }
    }
}

/// Whether a database error's message says the connection went away.
fn connection_lost(message: &str) -> bool {
    const LOST: &[&str] = &[
        "server closed the connection",
        "no connection to the server",
        "connection to server",
        "could not send data to server",
        "could not receive data from server",
        "connection reset",
        "broken pipe",
        "eof detected",
        "terminating connection",
        "lost synchronization with server",
    ];
    let message = message.to_lowercase();
    LOST.iter().any(|lost| message.contains(lost))
}

impl From<r2d2::Error> for ApiError {
    fn from(err: r2d2::Error) -> Self {
        Self::Unavailable(err.into())
    }
}

/// Maps `web::Json` failures to problems.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge.into()
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType.into(),
        JsonPayloadError::Deserialize(e) => {
            ApiError::Malformed(format!("The JSON body could not be read: {e}")).into()
        }
        other => ApiError::Malformed(format!("The request body could not be read: {other}")).into(),
    }
}

/// Maps `web::Query` failures to problems.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::Malformed(format!("The query string could not be read: {err}")).into()
}

/// Maps `web::Path` failures to problems.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::Malformed(format!("The path could not be read: {err}")).into()
}

/// Rewrites any error response that is not problem+json yet (actix's own 404, 405,
/// 413, ...) into one, so every failure a client sees has the same shape. Pages for
/// people (an unsubscribe link that no longer works) keep their HTML.
pub fn problem_for_bare_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()) || v.as_bytes().starts_with(b"text/html")
    });
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    // A preflight CORS refused (origin, method or headers not allowed) says which.
    let cors = res
        .response()
        .error()
        .and_then(|e| e.as_error::<actix_cors::CorsError>())
        .map(|e| {
            format!("Cross-origin request refused: {e}. Allowed origins are set with TRIBUNE_CORS_ORIGINS.")
        });
    let (code, title, detail) = match status {
        StatusCode::NOT_FOUND => ("not_found", "Not found", "No such resource."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "Method not allowed",
            "This resource does not support this method.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "Payload too large",
            "Request bodies are limited to 65536 bytes.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Unsupported media type",
            "Send the body as Content-Type: application/json.",
        ),
        StatusCode::UNAUTHORIZED => (
            "unauthorized",
            "Unauthorized",
            "Authentication is required.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "unavailable",
            "Service unavailable",
            "The service cannot answer right now.",
        ),
        s if s.is_server_error() => (
            "internal",
            "Internal server error",
            "Something went wrong on our side.",
        ),
        _ => (
            "malformed_request",
            "Malformed request",
            "The request could not be understood.",
        ),
    };
    let problem = Problem {
        kind: "about:blank",
        title,
        status: status.as_u16(),
        detail: cors.unwrap_or_else(|| detail.into()),
        code,
        errors: Vec::new(),
        until: None,
    };
    let (req, old) = res.into_parts();
    let mut new = problem_response(status, &problem);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res = ServiceResponse::new(req, new.map_into_boxed_body()).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorKind as K, Error as E};

    use super::ApiError;

    fn database(kind: K, message: &str) -> ApiError {
        E::DatabaseError(kind, Box::new(message.to_owned())).into()
    }

    #[test]
    fn a_lost_database_connection_or_a_deadlock_is_unavailable_in_any_of_its_forms() {
        for err in [
            database(K::UnableToSendCommand, ""),
            database(K::UnableToSendCommand, "no connection to the server\n"),
            database(K::ClosedConnection, "closed"),
            database(K::Unknown, "server closed the connection unexpectedly"),
            database(
                K::Unknown,
                "could not receive data from server: Connection reset by peer",
            ),
            E::BrokenTransactionManager.into(),
            database(K::Unknown, "deadlock detected"),
        ] {
            assert!(matches!(err, ApiError::Unavailable(_)), "{err:?}");
        }
        for err in [
            database(K::Unknown, "syntax error at or near \"SELEC\""),
            database(K::CheckViolation, "violates check constraint"),
        ] {
            assert!(matches!(err, ApiError::Unexpected(_)), "{err:?}");
        }
    }
}
