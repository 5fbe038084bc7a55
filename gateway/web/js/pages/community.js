// 게시판: the board list, a board, 글쓰기/수정, a post with its comments,
// HOT, BEST, 검색 and the caller's own lists. Each lives in community/.

export { boardsScreen } from './community/boards.js';
export { editScreen, writeScreen } from './community/editor.js';
export {
  bestScreen,
  boardScreen,
  hotScreen,
  myCommentsScreen,
  myPostsScreen,
  myScrapsScreen,
} from './community/feeds.js';
export { postScreen } from './community/post.js';
export { searchScreen } from './community/search.js';
