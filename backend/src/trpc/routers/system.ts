import { authorized, router } from '../init.js';

export const systemRouter = router({
  status: authorized('system.read').query(({ ctx }) => ctx.services.system.status()),
});
