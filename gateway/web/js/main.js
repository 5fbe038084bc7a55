// The web client's entry point: restore the session, register every
// screen, and start the router.

import { onSignedOut } from './api.js';
import { route, start, toSignIn } from './router.js';
import { forget, restore } from './session.js';
import * as account from './pages/account.js';
import * as admin from './pages/admin.js';
import * as community from './pages/community.js';
import * as freeTime from './pages/free-time.js';
import * as friends from './pages/friends.js';
import * as grades from './pages/grades.js';
import * as inbox from './pages/inbox.js';
import * as notifications from './pages/notifications.js';
import * as reviews from './pages/reviews.js';
import * as timetable from './pages/timetable.js';

// 로그인, 회원가입, 내 정보
route('/login', account.signInScreen, { guestOnly: true });
route('/signup', account.signUpScreen, { guestOnly: true });
route('/me', account.meScreen);
route('/me/reviews', reviews.myReviewsScreen);
route('/admin/reports', admin.reportsScreen);

// 게시판
route('/', community.boardsScreen);
route('/boards/:boardId', community.boardScreen);
route('/boards/:boardId/write', community.writeScreen);
route('/posts/:postId', community.postScreen);
route('/posts/:postId/edit', community.editScreen);
route('/hot', community.hotScreen);
route('/best', community.bestScreen);
route('/search', community.searchScreen);
route('/my/posts', community.myPostsScreen);
route('/my/comments', community.myCommentsScreen);
route('/my/scraps', community.myScrapsScreen);

// 시간표, 친구
route('/timetable', timetable.timetableScreen);
route('/timetable/:timetableId', timetable.timetableScreen);
route('/friends', friends.friendsScreen);
route('/friends/:userId', friends.friendTimetableScreen);
route('/free-time', freeTime.freeTimeScreen);
route('/grades', grades.gradesScreen);
route('/courses/:courseId/reviews', reviews.courseReviewsScreen);

// 쪽지, 알림
route('/messages', inbox.inboxScreen);
route('/messages/:conversationId', inbox.conversationScreen);
route('/notifications', notifications.notificationsScreen);

onSignedOut(() => {
  forget();
  toSignIn();
});

await restore();
await start(document.getElementById('app'));
document.documentElement.dataset.ready = 'true';
