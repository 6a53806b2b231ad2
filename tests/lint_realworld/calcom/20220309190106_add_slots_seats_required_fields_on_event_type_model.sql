-- source: https://github.com/calcom/cal.com/blob/971e0b51d9f3ad6ea3fd1d9dbd642f28de678294/packages/prisma/migrations/20220309190106_add_slots_seats_required_fields_on_event_type_model/migration.sql

-- CreateEnum
CREATE TYPE "BookingLimitType" AS ENUM ('month', 'day', 'week');

-- AlterTable
ALTER TABLE "EventType" ADD COLUMN     "bookingLimit" INTEGER,
ADD COLUMN     "bookingLimitType" "BookingLimitType",
ADD COLUMN     "seatsPerAttendee" INTEGER,
ADD COLUMN     "seatsPerTimeSlot" INTEGER;
