-- source: https://github.com/calcom/cal.com/blob/f4c3cea4d30825bebd8af3af41793d50b4cdf7a9/packages/prisma/migrations/20210714151216_event_type_period_settings/migration.sql

-- AlterTable
ALTER TABLE "EventType" ADD COLUMN     "periodCountCalendarDays" BOOLEAN,
ADD COLUMN     "periodDays" INTEGER,
ADD COLUMN     "periodEndDate" TIMESTAMP(3),
ADD COLUMN     "periodStartDate" TIMESTAMP(3),
ADD COLUMN     "periodType" TEXT DEFAULT E'unlimited';
