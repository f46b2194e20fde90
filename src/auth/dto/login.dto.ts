import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ description: 'ADMIN_PASSWORD', format: 'password', maxLength: 1024 })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class SessionDto {
  @ApiProperty({
    description: 'True when ADMIN_PASSWORD is set: the UI must show its login screen unless authenticated.',
  })
  authRequired: boolean;

  @ApiProperty({
    description: 'True when this request carries a valid session (or bearer token), or when no login is required.',
  })
  authenticated: boolean;
}
