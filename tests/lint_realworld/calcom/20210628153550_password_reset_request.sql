-- source: https://github.com/calcom/cal.com/blob/801fd6d2f85b34c4e0b63d479074702600ec8125/packages/prisma/migrations/20210628153550_password_reset_request/migration.sql

-- CreateTable
CREATE TABLE "ResetPasswordRequest" (
    "id" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "email" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    PRIMARY KEY ("id")
);
