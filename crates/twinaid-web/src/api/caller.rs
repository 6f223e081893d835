//! Who calls the API: a bearer token, or (for reading only) a browser
//! session; and the reports kept for them.

use super::error::ApiError;
use crate::AppState;
use crate::error::request_lang;
use crate::kept::kept;
use crate::session::{SESSION_COOKIE, cookie};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::Response;
use twinaid_app::{Actor, TokenCheck};
use twinaid_domain::Lang;

/// Who calls, and the language of their answers.
pub struct Caller {
    pub actor: Actor,
    pub lang: Lang,
}

impl Caller {
    /// A report kept for this caller (actor and language of messages) until
    /// the program's data changes (see [`crate::kept`]).
    pub async fn kept(
        &self,
        state: &AppState,
        program: &str,
        uri: &Uri,
        made: impl std::future::Future<Output = Result<Response, ApiError>>,
    ) -> Result<Response, ApiError> {
        let who = format!("{:?}|{}", self.actor, self.lang.pick("zh", "en"));
        kept(state, &self.actor, who, program, uri.to_string(), made).await
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = request_lang();
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                lang.pick(
                    "需要登录或有效的接口令牌（Authorization: Bearer …）",
                    "sign in or send a valid API token (Authorization: Bearer …)",
                ),
            )
        };
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if let Some(token) = bearer {
            let client = crate::session::client_of(parts, state);
            return match state.app.actor_for_token(token, &client).await? {
                TokenCheck::Valid(actor) => {
                    crate::requests::WhoAsked::set(parts, &actor.name);
                    Ok(Caller { actor, lang })
                }
                TokenCheck::Unknown => Err(unauthorized()),
                TokenCheck::Revoked => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "token_revoked",
                    lang.pick(
                        "此接口令牌已被撤销：请在 /tokens 页面生成新令牌",
                        "this API token was revoked: create a new one on the /tokens page",
                    ),
                )),
                TokenCheck::Expired => Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "token_expired",
                    lang.pick(
                        "此接口令牌已过期：请在 /tokens 页面生成新令牌",
                        "this API token has expired: create a new one on the /tokens page",
                    ),
                )),
            };
        }
        // A cookie session may read; writes need a token, so no other site can make a browser write.
        if parts.method == Method::GET
            && let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Ok(Some(session)) = state.app.session(&token).await
        {
            crate::requests::WhoAsked::set(parts, &session.actor.name);
            return Ok(Caller {
                actor: session.actor,
                lang,
            });
        }
        Err(unauthorized())
    }
}
