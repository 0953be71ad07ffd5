import { router, protectedProcedure } from '../init.js';

export const systemRouter = router({
  status: protectedProcedure.query(({ ctx }) => ctx.services.system.status()),
});
