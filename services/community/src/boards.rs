//! Boards: a school's list (with the default boards every school has) and
//! creating one, at most [`MAX_BOARDS_PER_SCHOOL`] per school and each name
//! once per school (and a few a day per user: [`limits`]).

use everytime_common::{db::ResultExt, token::Caller, validate};
use everytime_proto::community::v1 as pb;

use crate::{
    State,
    domain::{BoardDescription, BoardName, MAX_BOARDS_PER_SCHOOL},
    error::{Error, Result},
    limits::{self, Write},
    store::boards::{self as store, BoardRow},
    wire,
};

/// The boards every school has from the first time its boards are listed:
/// name, description, anonymous only.
pub const DEFAULT_BOARDS: [(&str, &str, bool); 4] = [
    ("자유게시판", "자유롭게 이야기하는 곳", false),
    ("비밀게시판", "익명으로만 글을 쓰는 곳", true),
    (
        "새내기게시판",
        "새내기들의 궁금한 점을 묻고 답하는 곳",
        false,
    ),
    (
        "정보게시판",
        "학교생활에 도움이 되는 정보를 나누는 곳",
        false,
    ),
];

fn has_default_boards(boards: &[BoardRow]) -> bool {
    DEFAULT_BOARDS
        .iter()
        .all(|(name, _, _)| boards.iter().any(|board| board.name == *name))
}

/// Creates the default boards the school lacks.
async fn create_default_boards(state: &State, school_id: i64) -> Result<()> {
    let (names, rest): (Vec<String>, Vec<(String, bool)>) = DEFAULT_BOARDS
        .iter()
        .map(|(name, description, anonymous_only)| {
            (name.to_string(), (description.to_string(), *anonymous_only))
        })
        .unzip();
    let (descriptions, anonymous_only): (Vec<String>, Vec<bool>) = rest.into_iter().unzip();
    store::insert_boards_if_missing(
        &state.pool,
        school_id,
        &names,
        &descriptions,
        &anonymous_only,
    )
    .await?;
    Ok(())
}

/// The caller's school's boards, oldest first; the defaults are created
/// the first time.
pub async fn list(
    state: &State,
    caller: &Caller,
    _request: pb::ListBoardsRequest,
) -> Result<pb::ListBoardsResponse> {
    let mut boards = store::boards(&state.pool, caller.school_id, MAX_BOARDS_PER_SCHOOL).await?;
    if !has_default_boards(&boards) {
        create_default_boards(state, caller.school_id).await?;
        boards = store::boards(&state.pool, caller.school_id, MAX_BOARDS_PER_SCHOOL).await?;
    }
    Ok(pb::ListBoardsResponse {
        boards: boards.into_iter().map(wire::board).collect(),
    })
}

/// A new board of the caller's school.
pub async fn create(
    state: &State,
    caller: &Caller,
    request: pb::CreateBoardRequest,
) -> Result<pb::CreateBoardResponse> {
    let (name, description) = validate::all((
        BoardName::parse(&request.name),
        BoardDescription::parse(&request.description),
    ))?;
    // The defaults come first, so a new board cannot take their names.
    let defaults: Vec<String> = DEFAULT_BOARDS
        .iter()
        .map(|(name, _, _)| name.to_string())
        .collect();
    let present = store::count_boards_named(&state.pool, caller.school_id, &defaults).await?;
    if present < i64::try_from(DEFAULT_BOARDS.len()).unwrap_or(i64::MAX) {
        create_default_boards(state, caller.school_id).await?;
    }
    let mut tx = limits::begin(state, caller.user_id, Write::Board).await?;
    store::lock_school_boards(&mut tx, caller.school_id).await?;
    if store::count_boards(&mut *tx, caller.school_id).await? >= MAX_BOARDS_PER_SCHOOL {
        return Err(Error::TooManyBoards);
    }
    let board = store::insert_board(
        &mut *tx,
        caller.school_id,
        name.as_str(),
        description.as_str(),
        request.anonymous_only,
    )
    .await
    .on_constraint("boards_school_id_name_key", || Error::BoardNameTaken)?;
    tx.commit().await?;
    tracing::info!(
        board_id = board.id,
        school_id = caller.school_id,
        "board created"
    );
    Ok(pb::CreateBoardResponse {
        board: Some(wire::board(board)),
    })
}

/// The board `board_id` of the caller's school, or [`Error::NotFound`].
pub(crate) async fn of_school(state: &State, board_id: i64, school_id: i64) -> Result<BoardRow> {
    store::board(&state.pool, board_id, school_id)
        .await?
        .ok_or(Error::NotFound("board"))
}
